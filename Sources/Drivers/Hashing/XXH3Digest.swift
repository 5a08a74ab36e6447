import CXXHash

/// A streaming XXH3-128 digest from the system's libxxhash: the model-file and change-set
/// digests of saved plans. Not a cryptographic hash: it detects change, not tampering.
public final class XXH3Digest {
    private let state: OpaquePointer

    public init() {
        state = XXH3_createState()
        XXH3_128bits_reset(state)
    }

    deinit { XXH3_freeState(state) }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        XXH3_128bits_update(state, bytes.baseAddress, bytes.count)
    }

    public func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The digest so far: 32 lowercase hex digits, high half first.
    public var hex: String {
        let value = XXH3_128bits_digest(state)
        return Self.hex(value.high64) + Self.hex(value.low64)
    }

    /// The digest of `text`'s UTF-8 bytes.
    public static func hex(of text: String) -> String {
        let digest = XXH3Digest()
        digest.update(text)
        return digest.hex
    }

    private static func hex(_ n: UInt64) -> String {
        let digits = String(n, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

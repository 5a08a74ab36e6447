import CLibCrypto

/// SHA-256 (FIPS 180-4) from libcrypto's EVP interface.
public enum SHA256 {
    /// The digest length in bytes: 32.
    public static let byteCount = 32

    /// The SHA-256 digest of `bytes`: 32 bytes. `EVP_Digest` only fails if OpenSSL cannot allocate or its
    /// default provider is missing, which is a broken installation, so a failure traps rather than throws.
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = EVP_Digest(bytes, bytes.count, &digest, &length, EVP_sha256(), nil)
        precondition(ok == 1 && length == byteCount, "EVP_Digest(SHA-256) failed: \(OpenSSLErrorQueue.drain())")
        return Array(digest.prefix(byteCount))
    }
}

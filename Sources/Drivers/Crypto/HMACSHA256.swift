import CLibCrypto

/// HMAC with SHA-256 (RFC 2104, FIPS 198-1; the HS256 of RFC 7518 §3.2) from libcrypto.
public enum HMACSHA256 {
    /// The authentication code length in bytes: 32.
    public static let byteCount = 32

    /// The HMAC-SHA-256 of `message` under `key`: 32 bytes. Any key length works (longer than 64 bytes is
    /// hashed first, per RFC 2104); the key must be shorter than 2 GiB. A libcrypto failure (allocation, missing
    /// default provider) traps.
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        precondition(key.count <= Int(Int32.max), "HMAC key too long")
        var code = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &code, &length)
        precondition(result != nil && length == byteCount, "HMAC(SHA-256) failed: \(OpenSSLErrorQueue.drain())")
        return Array(code.prefix(byteCount))
    }

    /// Whether `signature` is the HMAC-SHA-256 of `message` under `key`. The bytes are compared with
    /// `CRYPTO_memcmp`, whose time depends only on the length, so a caller cannot learn how much of a forged
    /// code matched. A `signature` of the wrong length (not 32 bytes) is `false` at once: the length is not
    /// secret.
    public static func isValid(signature: [UInt8], key: [UInt8], message: [UInt8]) -> Bool {
        let expected = authenticationCode(key: key, message: message)
        guard signature.count == expected.count else { return false }
        return CRYPTO_memcmp(signature, expected, expected.count) == 0
    }
}

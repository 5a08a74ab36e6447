import CLibCrypto
import Foundation

extension RSAPrivateKey {
    /// "SHA256:" + Base64(SHA-256(DER SubjectPublicKeyInfo of `key`)), the form of `publicKeyFingerprint`.
    ///
    /// - Throws: `CryptoError.openSSL` if `i2d_PUBKEY` cannot encode the public key.
    static func publicKeyFingerprint(of key: OpaquePointer) throws(CryptoError) -> String {
        OpenSSLErrorQueue.clear()
        let length = i2d_PUBKEY(key, nil)
        guard length > 0 else { throw OpenSSLErrorQueue.error("i2d_PUBKEY") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress  // i2d_* advances the pointer it is given past what it wrote
            return i2d_PUBKEY(key, &cursor)
        }
        guard written == length else { throw OpenSSLErrorQueue.error("i2d_PUBKEY") }
        return "SHA256:" + Data(SHA256.digest(der)).base64EncodedString()
    }
}

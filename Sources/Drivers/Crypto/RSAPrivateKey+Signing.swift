import CLibCrypto

extension RSAPrivateKey {
    /// The RSASSA-PKCS1-v1_5 signature with SHA-256 of `message` (RFC 8017 §8.2; RS256 of RFC 7518 §3.3):
    /// `bitCount / 8` bytes, e.g. 256 for a 2048-bit key. Deterministic: the same key and message give the same
    /// bytes. Safe to call from several threads at once.
    ///
    /// - Throws: `CryptoError.openSSL` naming the failed `EVP_DigestSign*` call.
    public func signSHA256(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLErrorQueue.error("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?  // owned by `context`
        guard EVP_DigestSignInit(context, &keyContext, EVP_sha256(), nil, key) == 1 else {
            throw OpenSSLErrorQueue.error("EVP_DigestSignInit")
        }
        // PKCS#1 v1.5 is already the default for an RSA key; set it so that RS256 never silently becomes PSS.
        guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) == 1 else {
            throw OpenSSLErrorQueue.error("EVP_PKEY_CTX_set_rsa_padding")
        }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, message, message.count) == 1 else {
            throw OpenSSLErrorQueue.error("EVP_DigestSign")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else {
            throw OpenSSLErrorQueue.error("EVP_DigestSign")
        }
        return Array(signature.prefix(length))
    }
}

import CLibCrypto

extension RSAPrivateKey {
    /// Checks that the parts of the RSA private `key` fit together (n = p·q, e·d ≡ 1, p and q prime, ...) with
    /// `EVP_PKEY_check`, a few milliseconds for 2048 bits. OpenSSL's PEM reader does not: a key whose Base64 was
    /// damaged inside an integer still loads and then signs garbage.
    ///
    /// - Throws: `CryptoError.invalidKey` with OpenSSL's reason (e.g. "n does not equal p q"), or `.openSSL` if
    ///   the check context cannot be made.
    static func validate(_ key: OpaquePointer) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, key, nil) else {
            throw OpenSSLErrorQueue.error("EVP_PKEY_CTX_new_from_pkey")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_check(context) == 1 else { throw .invalidKey(openSSL: OpenSSLErrorQueue.drain()) }
    }
}

import CLibCrypto

/// An RSA private key read from PEM text by libcrypto, owning its `EVP_PKEY` (freed on deinit).
///
/// Immutable after `init`, so it is `Sendable`: OpenSSL 3 lets threads share an `EVP_PKEY` that nobody modifies
/// ("openssl-threads(7)"), and every signature is made with its own `EVP_MD_CTX`.
public final class RSAPrivateKey: @unchecked Sendable {
    /// The owned key; never modified after `init`.
    let key: OpaquePointer

    /// The modulus size in bits, e.g. 2048.
    public let bitCount: Int

    /// "SHA256:" followed by the standard Base64 (with padding) of the SHA-256 of the public key's DER-encoded
    /// SubjectPublicKeyInfo, e.g. "SHA256:uY2T...Q=". This is the fingerprint Snowflake stores as
    /// `RSA_PUBLIC_KEY_FP` and expects in a key-pair JWT's issuer, `ACCOUNT.USER.SHA256:...` (Snowflake docs,
    /// "Key-pair authentication and key-pair rotation"); it equals
    /// `openssl rsa -pubout -outform DER | openssl dgst -sha256 -binary | openssl enc -base64`.
    public let publicKeyFingerprint: String

    /// Reads the first private key in `pem`, which may be PKCS#8 (`BEGIN PRIVATE KEY`), PKCS#8 encrypted
    /// with `passphrase` (`BEGIN ENCRYPTED PRIVATE KEY`, RFC 5958 / RFC 8018) or PKCS#1 (`BEGIN RSA PRIVATE
    /// KEY`, RFC 8017, also with OpenSSL's `Proc-Type: 4,ENCRYPTED` header). A `passphrase` given for an
    /// unencrypted key is ignored. Never prompts on the terminal.
    ///
    /// - Throws: `CryptoError.passphraseRequired` (encrypted, no passphrase), `.wrongPassphrase` (encrypted,
    ///   does not decrypt), `.notAKey` (no readable private key in `pem`), `.notRSA` (an EC, Ed25519, RSA-PSS,
    ///   ... key), `.invalidKey` (an RSA key whose parts do not fit together), `.openSSL` (the public key could
    ///   not be encoded). No error contains the key or passphrase.
    public init(pem: String, passphrase: String? = nil) throws(CryptoError) {
        let key = try Self.read(pem: pem, passphrase: passphrase)
        do throws(CryptoError) {
            guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
                let name = EVP_PKEY_get0_type_name(key).map { String(cString: $0) } ?? "an unknown key type"
                throw .notRSA(keyType: name)
            }
            try Self.validate(key)
            publicKeyFingerprint = try Self.publicKeyFingerprint(of: key)
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        bitCount = Int(EVP_PKEY_get_bits(key))
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    /// `PEM_read_bio_PrivateKey` over a memory BIO of `pem`'s UTF-8 bytes; the caller owns the result.
    private static func read(pem: String, passphrase: String?) throws(CryptoError) -> OpaquePointer {
        var text = Array(pem.utf8)
        var request = PEMPassphrase(passphrase)
        defer {
            text.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
            request.cleanse()
        }
        OpenSSLErrorQueue.clear()
        let key = text.withUnsafeBytes { bytes -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { BIO_free(bio) }
            return withUnsafeMutablePointer(to: &request) { request in
                PEM_read_bio_PrivateKey(
                    bio, nil, { buffer, size, _, u in PEMPassphrase.fill(buffer, size, u) }, request)
            }
        }
        if let key { return key }
        let message = OpenSSLErrorQueue.drain()
        switch (request.wasRequested, request.bytes != nil) {
        case (true, false): throw .passphraseRequired
        case (true, true): throw .wrongPassphrase(openSSL: message)
        case (false, _): throw .notAKey(openSSL: message)
        }
    }
}

import SyncCore

/// Why a libcrypto operation failed.
///
/// Messages carry OpenSSL's own error strings (from `ERR_get_error` and `ERR_error_string_n`, which come from
/// fixed tables) and never the key text or the passphrase, so a `CryptoError` is safe to log.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The PEM block is an encrypted private key (`BEGIN ENCRYPTED PRIVATE KEY`, or PKCS#1 with a
    /// `Proc-Type: 4,ENCRYPTED` header) and no passphrase was given.
    case passphraseRequired

    /// The PEM block is an encrypted private key and the passphrase did not decrypt it (or was longer than
    /// OpenSSL's 1024-byte passphrase buffer). `openSSL` is OpenSSL's error string, e.g. "bad decrypt".
    case wrongPassphrase(openSSL: String)

    /// The text holds no private key OpenSSL can read: no `BEGIN PRIVATE KEY`, `BEGIN ENCRYPTED PRIVATE KEY`
    /// or `BEGIN RSA PRIVATE KEY` block, or the block's DER is damaged. `openSSL` is OpenSSL's error string.
    case notAKey(openSSL: String)

    /// The private key is readable but not an RSA key (`keyType` is OpenSSL's name for it, e.g. "EC", "ED25519",
    /// "RSA-PSS"); RS256 needs a plain `rsaEncryption` key.
    case notRSA(keyType: String)

    /// The RSA private key was read but fails `EVP_PKEY_check` (n ≠ p·q, a prime that is not, ...), as a key
    /// damaged inside its Base64 does. `openSSL` is OpenSSL's error string.
    case invalidKey(openSSL: String)

    /// The RSA key has fewer than the 2048 bits RFC 7518 §3.3 requires for RS256.
    case keyTooSmall(bits: Int)

    /// The JWT claims are not a JSON object `JSONSerialization` can write (see `JSONWebToken.rs256`).
    case invalidClaims

    /// Any other libcrypto failure: `operation` names the call, `message` is OpenSSL's error string.
    case openSSL(operation: String, message: String)

    public var description: String {
        switch self {
        case .passphraseRequired:
            "the private key is encrypted and no passphrase was given"
        case .wrongPassphrase(let message):
            "the passphrase does not decrypt the private key (\(message))"
        case .notAKey(let message):
            "the text is not a PEM private key (\(message))"
        case .notRSA(let keyType):
            "the private key is \(keyType), not RSA"
        case .invalidKey(let message):
            "the RSA private key is damaged: its parts do not fit together (\(message))"
        case .keyTooSmall(let bits):
            "the RSA key has \(bits) bits; RS256 needs at least 2048"
        case .invalidClaims:
            "the JWT claims are not a JSON object"
        case .openSSL(let operation, let message):
            "\(operation) failed (\(message))"
        }
    }
}

extension CryptoError: ReportedError {
    public var errorCode: String {
        switch self {
        case .passphraseRequired: "key.passphrase_required"
        case .wrongPassphrase: "key.wrong_passphrase"
        case .notAKey, .invalidKey: "key.invalid"
        case .notRSA: "key.not_rsa"
        case .keyTooSmall: "key.too_small"
        case .invalidClaims: "key.invalid_claims"
        case .openSSL: "key.openssl"
        }
    }
    public var message: String { description }
    public var hint: String? { nil }
    /// A key, its passphrase and the claims must change before signing can succeed.
    public var isTransient: Bool { false }
}

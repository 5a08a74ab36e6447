import Foundation

/// Compact-serialized JSON Web Tokens signed with RS256 (RFC 7519, RFC 7515 §7.1, RFC 7518 §3.3), e.g. the
/// bearer token of Snowflake key-pair authentication.
public enum JSONWebToken {
    /// The JOSE header, fixed and pre-serialized so that tokens are byte-for-byte reproducible.
    static let header = #"{"alg":"RS256","typ":"JWT"}"#

    /// `BASE64URL(header) "." BASE64URL(claims) "." BASE64URL(signature)`, where the header is
    /// `{"alg":"RS256","typ":"JWT"}`, the claims are written by `JSONSerialization` with sorted keys (so the same
    /// claims give the same token) and unescaped slashes, and the signature is `key.signSHA256` of the ASCII of
    /// the first two parts. Base64url has no padding (RFC 7515 §2).
    ///
    /// `claims` holds JSON values only: `String`, `Int` (write NumericDate claims such as `iat` and `exp`, in
    /// seconds since 1970, as `Int`: a `Double` may serialize with a fraction), `Double`, `Bool`, `NSNull`,
    /// arrays and `[String: Any]` of these. For Snowflake: `iss` = "ACCOUNT.USER." + `key.publicKeyFingerprint`,
    /// `sub` = "ACCOUNT.USER" (both upper case), `iat` = now, `exp` ≤ now + 3600.
    ///
    /// - Throws: `CryptoError.invalidClaims` if `claims` is not serializable JSON, `.keyTooSmall` if `key` has
    ///   fewer than 2048 bits, `.openSSL` if signing fails.
    public static func rs256(claims: [String: Any], key: RSAPrivateKey) throws(CryptoError) -> String {
        guard key.bitCount >= 2048 else { throw .keyTooSmall(bits: key.bitCount) }
        // Checked first: on Darwin, data(withJSONObject:) raises an uncatchable NSException on a non-JSON value.
        guard JSONSerialization.isValidJSONObject(claims),
            let payload = try? JSONSerialization.data(
                withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes])
        else { throw .invalidClaims }
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload))
        let signature = try key.signSHA256(Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }
}

import Drivers
import Foundation
import SyncCore
import Synchronization

/// The `Authorization` of every SQL API request (https://docs.snowflake.com/en/developer-guide/sql-api/authenticating):
/// an OAuth access token as given, or a key-pair JWT (RS256) with issuer `ACCOUNT.USER.SHA256:fingerprint`,
/// subject `ACCOUNT.USER`, issued now and expiring in one hour, made again once less than `renewBefore` of
/// its hour is left. Neither the key, the token nor the JWT appears in any error or description.
final class SnowflakeSQLAPIAuth: Sendable, CustomStringConvertible {
    enum Method: Sendable {
        case keyPair(RSAPrivateKey, account: String, user: String)
        case oauth(Secret)
    }

    private let method: Method
    private let cached = Mutex<(jwt: Secret, renewAt: Date)?>(nil)
    /// A JWT's lifetime, the most Snowflake accepts.
    static let lifetime: TimeInterval = 3600
    /// How long before its end a JWT is replaced.
    static let renewBefore: TimeInterval = 300

    init(_ method: Method) { self.method = method }

    var description: String {
        switch method {
        case .keyPair(_, let account, let user): "key pair of \(account).\(user)"
        case .oauth: "OAuth token"
        }
    }

    /// The headers that authorize a request at `now`.
    /// - Throws: `ConnectorError` (`.connectionFailed`) when the JWT cannot be signed.
    func headers(now: Date = Date()) throws -> [(String, String)] {
        switch method {
        case .oauth(let token):
            return [("Authorization", "Bearer " + token.reveal()), ("X-Snowflake-Authorization-Token-Type", "OAUTH")]
        case .keyPair(let key, let account, let user):
            let jwt = try cached.withLock { cache throws -> Secret in
                if let cache, now < cache.renewAt { return cache.jwt }
                let made = Secret(try Self.jwt(key: key, account: account, user: user, now: now))
                cache = (made, now.addingTimeInterval(Self.lifetime - Self.renewBefore))
                return made
            }
            return [
                ("Authorization", "Bearer " + jwt.reveal()), ("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT"),
            ]
        }
    }

    /// The claims of a key-pair JWT issued at `now` for `account` and `user`.
    static func claims(fingerprint: String, account: String, user: String, now: Date) -> [String: Any] {
        let qualified = SnowflakeAccount.forToken(account) + "." + user.uppercased()
        let issued = Int(now.timeIntervalSince1970)
        return [
            "iss": qualified + "." + fingerprint, "sub": qualified, "iat": issued, "exp": issued + Int(lifetime),
        ]
    }

    /// A signed key-pair JWT.
    /// - Throws: `ConnectorError` (`.connectionFailed`) with libcrypto's reason, never the key.
    static func jwt(key: RSAPrivateKey, account: String, user: String, now: Date) throws -> String {
        do {
            return try JSONWebToken.rs256(
                claims: claims(fingerprint: key.publicKeyFingerprint, account: account, user: user, now: now), key: key)
        } catch {
            throw ConnectorError(.connectionFailed, "cannot sign the Snowflake key-pair JWT: \(error)")
        }
    }
}

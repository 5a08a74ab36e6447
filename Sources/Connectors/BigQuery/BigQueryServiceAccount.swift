import Drivers
import Foundation
import SyncCore

/// A service account's key file, as the Google Cloud console downloads it (JSON: `client_email`,
/// `private_key` in PEM, `token_uri`; https://cloud.google.com/iam/docs/keys-create-delete), and the
/// JWT it signs for the OAuth 2.0 token exchange
/// (https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests).
struct BigQueryServiceAccount: Sendable {
    let email: String
    let key: RSAPrivateKey
    let tokenURI: URL

    /// The scope a token for BigQuery asks for.
    static let scope = "https://www.googleapis.com/auth/bigquery"
    /// A JWT's lifetime, the most Google accepts.
    static let lifetime = 3600

    /// Reads the key file at `path`.
    /// - Throws: `ConnectorError` (`.connectionFailed`) naming the file and what is missing, never the key.
    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConnectorError(
                .connectionFailed, "cannot read credentials_file \(path)",
                hint: "check that the file exists and that this user may read it")
        }
        struct File: Decodable {
            var client_email: String?
            var private_key: String?
            var token_uri: String?
        }
        guard let file = try? JSONDecoder().decode(File.self, from: data), let email = file.client_email,
            let pem = file.private_key
        else {
            throw ConnectorError(
                .connectionFailed, "credentials_file \(path) is no service account key",
                hint: "download a JSON key of the service account (it has client_email and private_key)")
        }
        let uri = file.token_uri ?? "https://oauth2.googleapis.com/token"
        guard let tokenURI = URL(string: uri), tokenURI.host != nil else {
            throw ConnectorError(.connectionFailed, "credentials_file \(path): token_uri is no URL")
        }
        do {
            key = try RSAPrivateKey(pem: pem)
        } catch {
            throw ConnectorError(.connectionFailed, "credentials_file \(path): its private_key: \(error)")
        }
        self.email = email
        self.tokenURI = tokenURI
    }

    /// The claims of a token request issued at `now`: issuer the account, audience the token URI.
    func claims(now: Date) -> [String: Any] {
        let issued = Int(now.timeIntervalSince1970)
        return [
            "iss": email, "scope": Self.scope, "aud": tokenURI.absoluteString, "iat": issued,
            "exp": issued + Self.lifetime,
        ]
    }

    /// The signed JWT of a token request issued at `now`.
    /// - Throws: `ConnectorError` (`.connectionFailed`) with libcrypto's reason, never the key.
    func assertion(now: Date) throws -> Secret {
        do {
            return Secret(try JSONWebToken.rs256(claims: claims(now: now), key: key))
        } catch {
            throw ConnectorError(.connectionFailed, "cannot sign the service account's JWT: \(error)")
        }
    }
}

import Drivers
import Foundation
import SyncCore
import Synchronization

/// The `Authorization` of every BigQuery request: an access token as given (`token`), or one a
/// service account's key gets at its `token_uri` (a JWT-bearer grant,
/// https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests), kept
/// until `renewBefore` before it expires. Neither key, JWT nor token appears in any error or description.
final class BigQueryAPIAuth: Sendable, CustomStringConvertible {
    enum Method: Sendable {
        case serviceAccount(BigQueryServiceAccount)
        case token(Secret)
    }

    private let method: Method
    private let http: HTTPClient
    private let cached = Mutex<(token: Secret, renewAt: Date)?>(nil)
    /// How long before its expiry a token is replaced.
    static let renewBefore: TimeInterval = 300
    /// The grant type of the token request.
    static let grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    init(_ method: Method, http: HTTPClient = HTTPClient()) {
        self.method = method
        self.http = http
    }

    var description: String {
        switch method {
        case .serviceAccount(let account): "service account \(account.email)"
        case .token: "access token"
        }
    }

    /// The headers that authorize a request at `now`; the first call of a service account (and the
    /// first after its token nears expiry) asks the token URI for a token.
    /// - Throws: `ConnectorError` (`.connectionFailed`) when the token request is refused or fails.
    func headers(now: Date = Date(), cancellation: CancellationToken? = nil) throws -> [(String, String)] {
        switch method {
        case .token(let token):
            return [("Authorization", "Bearer " + token.reveal())]
        case .serviceAccount(let account):
            if let cache = cached.withLock({ $0 }), now < cache.renewAt {
                return [("Authorization", "Bearer " + cache.token.reveal())]
            }
            let (token, lifetime) = try exchange(account, now: now, cancellation: cancellation)
            cached.withLock { $0 = (token, now.addingTimeInterval(max(lifetime - Self.renewBefore, 0))) }
            return [("Authorization", "Bearer " + token.reveal())]
        }
    }

    /// POSTs the signed JWT to the token URI and reads `access_token` and `expires_in` (seconds).
    private func exchange(_ account: BigQueryServiceAccount, now: Date, cancellation: CancellationToken?) throws
        -> (Secret, TimeInterval)
    {
        let assertion = try account.assertion(now: now)
        let form = "grant_type=" + Self.formEncoded(Self.grantType) + "&assertion=" + assertion.reveal()
        let request = HTTPClientRequest(
            method: "POST", url: account.tokenURI,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Data(form.utf8), timeout: .seconds(60))
        let response: HTTPClientResponse
        do {
            response = try HTTPRetry().send(request, with: http, cancellation: cancellation)
        } catch {
            throw ConnectorError.noAnswer(
                error, from: "the token URI", what: "the token request", urlHint: "token_uri must be https://")
        }
        struct Answer: Decodable {
            var access_token: String?
            var expires_in: Double?
            var error: String?
            var error_description: String?
        }
        let answer = try? JSONDecoder().decode(Answer.self, from: response.body)
        guard response.status == 200, let token = answer?.access_token else {
            let said = [answer?.error, answer?.error_description].compactMap { $0 }.joined(separator: ": ")
            throw ConnectorError(
                HTTPRetry.isRetryable(status: response.status) ? .connectionLost : .connectionFailed,
                "the token URI refused service account \(account.email) (HTTP \(response.status)"
                    + (said.isEmpty ? ")" : ", \(said))"),
                sqlState: HTTPRetry.isRetryable(status: response.status) ? nil : "28000",
                hint: "check that the key in credentials_file is active (IAM > Service accounts > Keys)")
        }
        return (Secret(token), answer?.expires_in ?? 3600)
    }

    /// `text` percent-encoded for an `application/x-www-form-urlencoded` body.
    static func formEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

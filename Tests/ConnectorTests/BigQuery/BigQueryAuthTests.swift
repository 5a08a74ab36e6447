import Foundation
import Synchronization
import Testing

@testable import Connectors
@testable import Drivers
@testable import SyncCore

/// The service account's token exchange as Google documents it
/// (https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests), against a
/// token URI on 127.0.0.1: a JWT-bearer grant whose RS256 signature verifies with the key's public half,
/// the token kept until it nears its expiry, and no secret in any description or error.
@Suite struct BigQueryAuthTests {
    /// A service account key file of `KeyFiles`' PKCS#8 key whose token URI is `tokenURI`.
    static func keyFile(tokenURI: String) throws -> String {
        let key: [String: String] = [
            "type": "service_account", "project_id": "p", "private_key_id": "k1",
            "private_key": try KeyFiles.shared.text("pkcs8.pem"), "client_email": "reader@p.iam.gserviceaccount.com",
            "token_uri": tokenURI,
        ]
        let path = KeyFiles.shared.directory.appendingPathComponent("sa-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: key).write(to: path)
        return path.path
    }

    @Test func theJWTIsExchangedAtTheTokenURIAndItsSignatureVerifies() throws {
        let fake = try FakeBigQuery { request in
            request.path == "/token"
                ? (200, #"{"access_token":"ya29.exchanged-token","expires_in":3599,"token_type":"Bearer"}"#, [])
                : (404, "{}", [])
        }
        defer { fake.server.stop() }
        let tokenURI = fake.url.absoluteString + "/token"
        let account = try BigQueryServiceAccount(path: try Self.keyFile(tokenURI: tokenURI))
        let auth = BigQueryAPIAuth(.serviceAccount(account))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try auth.headers(now: now).first { $0.0 == "Authorization" }?.1 == "Bearer ya29.exchanged-token")
        // The same token until five minutes before it expires, then a new exchange.
        _ = try auth.headers(now: now.addingTimeInterval(3000))
        #expect(fake.requests.count == 1)
        _ = try auth.headers(now: now.addingTimeInterval(3400))
        #expect(fake.requests.count == 2)

        let request = try #require(fake.requests.first)
        #expect(request.method == "POST" && request.headers["content-type"] == "application/x-www-form-urlencoded")
        var form: [String: String] = [:]
        for pair in request.body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            form[parts[0]] = parts.count > 1 ? parts[1].removingPercentEncoding : ""
        }
        #expect(form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer")
        let jwt = try #require(form["assertion"])
        let parts = jwt.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        let claims = try #require(
            try JSONSerialization.jsonObject(with: Self.base64URL(parts[1])) as? [String: Any])
        #expect(claims["iss"] as? String == "reader@p.iam.gserviceaccount.com")
        #expect(claims["scope"] as? String == "https://www.googleapis.com/auth/bigquery")
        #expect(claims["aud"] as? String == tokenURI)
        #expect(claims["iat"] as? Int == 1_800_000_000 && claims["exp"] as? Int == 1_800_003_600)

        let directory = try OpenSSLTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data((parts[0] + "." + parts[1]).utf8).write(to: directory.appendingPathComponent("input"))
        try Self.base64URL(parts[2]).write(to: directory.appendingPathComponent("sig.bin"))
        let pub = KeyFiles.shared.directory.appendingPathComponent("pkcs8.pub.pem").path
        let verified = try OpenSSLTool.run(
            ["dgst", "-sha256", "-verify", pub, "-signature", "sig.bin", "input"], in: directory)
        #expect(verified.status == 0 && verified.text == "Verified OK", "\(verified.stderr)")
        #expect(!"\(auth)".contains("ya29") && !"\(auth)".contains(jwt))
    }

    @Test func aRefusedExchangeIsAPermanentLoginErrorWithoutTheKeyOrJWT() throws {
        let fake = try FakeBigQuery { _ in
            (400, #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#, [])
        }
        defer { fake.server.stop() }
        let path = try Self.keyFile(tokenURI: fake.url.absoluteString + "/token")
        let auth = BigQueryAPIAuth(.serviceAccount(try BigQueryServiceAccount(path: path)))
        #expect {
            try auth.headers()
        } throws: { error in
            guard let error = error as? ConnectorError else { return false }
            let text = "\(error)" + String(reflecting: error)
            return error.code == .connectionFailed && !error.isTransient && text.contains("invalid_grant")
                && !text.contains("eyJ") && !text.contains("PRIVATE KEY")
        }
    }

    @Test func aKeyFileWithoutAKeyNamesTheFileNotItsContent() throws {
        let path = KeyFiles.shared.directory.appendingPathComponent("not-a-key.json")
        try Data(#"{"client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nbm90\n"}"#.utf8).write(to: path)
        #expect {
            try BigQueryServiceAccount(path: path.path)
        } throws: { error in
            "\(error)".contains("not-a-key.json") && !"\(error)".contains("bm90")
        }
    }

    @Test func anAccessTokenIsSentAsGivenAndNeverDescribed() throws {
        let auth = BigQueryAPIAuth(.token(Secret("ya29.given-token")))
        #expect(try auth.headers().contains { $0 == ("Authorization", "Bearer ya29.given-token") })
        #expect(!"\(auth)".contains("ya29"))
    }

    static func base64URL(_ text: String) -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64) ?? Data()
    }
}

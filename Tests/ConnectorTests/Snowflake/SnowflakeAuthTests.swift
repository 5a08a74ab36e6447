import Foundation
import Testing

@testable import Connectors
@testable import Drivers
@testable import SyncCore

/// The key-pair JWT's claims as Snowflake documents them
/// (https://docs.snowflake.com/en/developer-guide/sql-api/authenticating), and the account they name.
@Suite struct SnowflakeAuthTests {
    @Test(arguments: [
        ("https://myorg-myaccount.snowflakecomputing.com", "myorg-myaccount", "MYORG-MYACCOUNT"),
        ("https://xy12345.us-east-1.snowflakecomputing.com", "xy12345.us-east-1", "XY12345"),
        ("https://xy12345.eu-west-1.privatelink.snowflakecomputing.com/", "xy12345.eu-west-1", "XY12345"),
        ("https://myorg-acct.global.snowflakecomputing.com", "myorg-acct.global", "MYORG"),
    ])
    func theAccountComesFromTheURLAndLosesItsRegionInTheToken(url: String, account: String, inToken: String) {
        #expect(SnowflakeAccount.fromURL(URL(string: url)!) == account)
        #expect(SnowflakeAccount.forToken(account) == inToken)
    }

    @Test func anEmulatorURLNamesNoAccount() {
        #expect(SnowflakeAccount.fromURL(URL(string: "http://127.0.0.1:8080")!) == nil)
    }

    @Test func theJWTNamesAccountUserAndFingerprintAndLastsAnHour() throws {
        let key = try RSAPrivateKey(pem: try KeyFiles.shared.text("pkcs8.pem"))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let auth = SnowflakeSQLAPIAuth(.keyPair(key, account: "xy12345.us-east-1", user: "sync_reader"))
        let headers = try auth.headers(now: now)
        #expect(headers.contains { $0 == ("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT") })
        let bearer = try #require(headers.first { $0.0 == "Authorization" }?.1)
        let jwt = String(bearer.dropFirst("Bearer ".count))
        let parts = jwt.split(separator: ".")
        #expect(parts.count == 3)
        let claims = try #require(
            try JSONSerialization.jsonObject(with: Self.base64URL(String(parts[1]))) as? [String: Any])
        #expect(claims["iss"] as? String == "XY12345.SYNC_READER." + key.publicKeyFingerprint)
        #expect(claims["sub"] as? String == "XY12345.SYNC_READER")
        #expect(claims["iat"] as? Int == 1_800_000_000)
        #expect(claims["exp"] as? Int == 1_800_003_600)
        // The same token until five minutes before its hour ends, then a new one.
        #expect(try auth.headers(now: now.addingTimeInterval(3000)).first { $0.0 == "Authorization" }?.1 == bearer)
        #expect(try auth.headers(now: now.addingTimeInterval(3400)).first { $0.0 == "Authorization" }?.1 != bearer)
        #expect(!"\(auth)".contains(jwt) && !"\(auth)".contains("BEGIN"))
    }

    @Test func anOAuthTokenIsSentAsGivenAndNeverDescribed() throws {
        let auth = SnowflakeSQLAPIAuth(.oauth(Secret("oauth-secret-value")))
        let headers = try auth.headers()
        #expect(headers.contains { $0 == ("Authorization", "Bearer oauth-secret-value") })
        #expect(headers.contains { $0 == ("X-Snowflake-Authorization-Token-Type", "OAUTH") })
        #expect(!"\(auth)".contains("oauth-secret-value"))
    }

    @Test func anEncryptedKeyWithoutItsPassphraseIsAClearErrorWithoutTheKey() throws {
        let path = KeyFiles.shared.directory.appendingPathComponent("encrypted.pem").path
        #expect {
            try SnowflakeSQLAPISource.key(path, passphrase: nil)
        } throws: { error in
            let text = "\(error)"
            return text.contains("encrypted.pem") && text.contains("passphrase")
                && !text.contains("BEGIN")
        }
        _ = try SnowflakeSQLAPISource.key(path, passphrase: Secret(KeyFiles.passphrase))
        #expect(throws: ConnectorError.self) {
            try SnowflakeSQLAPISource.key(path, passphrase: Secret("wrong"))
        }
    }

    static func base64URL(_ text: String) -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64) ?? Data()
    }
}

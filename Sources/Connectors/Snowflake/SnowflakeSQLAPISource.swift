import Drivers
import Foundation
import SyncCore

/// Makes the SQL API client of a `[sources.NAME]` table with `account_url` (docs/warehouses.md).
enum SnowflakeSQLAPISource {
    /// The client for `settings`: the account URL checked (`https://`, or `http://` to a loopback
    /// host), the private key read and checked, or the OAuth token taken as given.
    /// - Throws: `ConnectorError` (`.connectionFailed`) naming the setting that is wrong and what to write.
    static func client(_ settings: WarehouseAPISettings) throws -> SnowflakeSQLAPIClient {
        guard let url = URL(string: settings.url), url.host != nil else {
            throw ConnectorError(
                .connectionFailed, "account_url \(settings.url) is no URL",
                hint: "write account_url = \"https://ACCOUNT.snowflakecomputing.com\"")
        }
        do { try HTTPURLPolicy.check(url) } catch {
            throw ConnectorError(.connectionFailed, "account_url: \(error.message)")
        }
        let context = SnowflakeSQLAPIContext(
            warehouse: settings.warehouse, database: settings.database, schema: settings.schema, role: settings.role)
        return SnowflakeSQLAPIClient(base: url, auth: try auth(settings, url: url), context: context)
    }

    /// Key-pair auth when `private_key_file` is set, OAuth when `token` is.
    static func auth(_ settings: WarehouseAPISettings, url: URL) throws -> SnowflakeSQLAPIAuth {
        if let token = settings.token { return SnowflakeSQLAPIAuth(.oauth(token)) }
        guard let path = settings.privateKeyPath else {
            throw ConnectorError(
                .connectionFailed, "a Snowflake source with account_url needs private_key_file or token",
                hint: "add private_key_file = \"keys/reader.p8\" (key-pair auth) or token = \"${SNOWFLAKE_TOKEN}\"")
        }
        guard let user = settings.user, !user.isEmpty else {
            throw ConnectorError(
                .connectionFailed, "key-pair auth needs the Snowflake user", hint: "add user = \"SYNC_READER\"")
        }
        guard let account = settings.account ?? SnowflakeAccount.fromURL(url) else {
            throw ConnectorError(
                .connectionFailed, "account_url \(url.host ?? "") names no Snowflake account",
                hint: "add account = \"MYORG-MYACCOUNT\"")
        }
        return SnowflakeSQLAPIAuth(
            .keyPair(try key(path, passphrase: settings.privateKeyPassphrase), account: account, user: user))
    }

    /// The RSA key in the PEM file at `path`.
    /// - Throws: `ConnectorError` naming the file and libcrypto's reason, never the key or passphrase.
    static func key(_ path: String, passphrase: Secret?) throws -> RSAPrivateKey {
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConnectorError(
                .connectionFailed, "cannot read private_key_file \(path)",
                hint: "check that the file exists and that this user may read it")
        }
        do {
            return try RSAPrivateKey(pem: pem, passphrase: passphrase?.reveal())
        } catch {
            throw ConnectorError(
                .connectionFailed, "private_key_file \(path): \(error)",
                hint: error == .passphraseRequired || error.isWrongPassphrase
                    ? "set passphrase = \"${VAR}\"" : "use the PKCS#8 PEM key made by openssl genrsa")
        }
    }
}

extension CryptoError {
    fileprivate var isWrongPassphrase: Bool { if case .wrongPassphrase = self { true } else { false } }
}

import Connectors
import Foundation
import SyncCore

extension ConfigReader {
    /// The settings of a warehouse's HTTP API route (docs/warehouses.md).
    static let apiKeys = [
        "account_url", "account", "user", "private_key_path", "private_key_passphrase", "token", "warehouse",
        "database",
        "schema", "role",
    ]

    /// The API route's settings from the entries read, or nil when there are none; an error for keys of
    /// the route without `account_url`, for a kind without such a route, or for both a key and a token.
    mutating func apiSettings(
        _ values: [String: (value: String, line: Int)], source name: String, kind: WarehouseKind
    ) -> WarehouseAPISettings? {
        guard let first = values.min(by: { $0.value.line < $1.value.line }) else { return nil }
        guard let url = values["account_url"]?.value else {
            errors.append(
                ProjectError(
                    file: file, line: first.value.line, "\(first.key) on source \(name) needs account_url",
                    hint:
                        "it is a setting of the SQL API route: add account_url = "
                        + "\"https://ACCOUNT.snowflakecomputing.com\""
                ))
            return nil
        }
        guard kind.connectsWith.key == "account_url" else {
            errors.append(
                ProjectError(
                    file: file, line: values["account_url"]?.line ?? first.value.line,
                    "a \(kind.name) source has no account_url", hint: "add \(kind.connectsWith.example)"))
            return nil
        }
        if let token = values["token"], values["private_key_path"] != nil {
            errors.append(
                ProjectError(
                    file: file, line: token.line, "source \(name) has both private_key_path and token",
                    hint: "keep one: the key pair (private_key_path) or an OAuth token"))
            return nil
        }
        return WarehouseAPISettings(
            url: url, account: values["account"]?.value, user: values["user"]?.value,
            privateKeyPath: values["private_key_path"]?.value,
            privateKeyPassphrase: values["private_key_passphrase"].map { Secret($0.value) },
            token: values["token"].map { Secret($0.value) }, warehouse: values["warehouse"]?.value,
            database: values["database"]?.value, schema: values["schema"]?.value, role: values["role"]?.value)
    }
}

extension SourceConfig {
    /// The API settings with a relative `private_key_path` resolved against `projectDirectory`.
    func resolvedAPI(projectDirectory: URL) -> WarehouseAPISettings? {
        guard var api else { return nil }
        if let path = api.privateKeyPath, !path.hasPrefix("/") {
            api.privateKeyPath = projectDirectory.appendingPathComponent(path).path
        }
        return api
    }
}

import Connectors
import Foundation
import SyncCore

extension ConfigReader {
    /// The settings of each warehouse's HTTP API route, by the setting that selects it (docs/warehouses.md):
    /// Snowflake's SQL API (`account_url`) and BigQuery's REST API (`project`).
    static let apiRoutes: [(route: String, keys: [String])] = [
        (
            "account_url",
            [
                "account_url", "account", "user", "private_key_file", "passphrase", "token", "warehouse",
                "database", "schema", "role",
            ]
        ),
        ("project", ["project", "api_url", "dataset", "credentials_file", "token"]),
    ]

    /// Every setting of an API route.
    static let apiKeys = apiRoutes.flatMap(\.keys).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }

    /// The API route's settings from the entries read, or nil when there are none; an error for keys of
    /// a route without the setting that selects it, for keys of another kind's route, or for two ways
    /// to authenticate.
    mutating func apiSettings(
        _ values: [String: (value: String, line: Int)], source name: String, kind: WarehouseKind
    ) -> WarehouseAPISettings? {
        guard let first = values.min(by: { $0.value.line < $1.value.line }) else { return nil }
        guard let route = Self.apiRoutes.first(where: { $0.route == kind.connectsWith.key }) else {
            errors.append(
                ProjectError(
                    file: file, line: first.value.line, "a \(kind.name) source has no \(first.key)",
                    hint: "add \(kind.connectsWith.example)"))
            return nil
        }
        if let foreign = values.filter({ !route.keys.contains($0.key) }).min(by: { $0.value.line < $1.value.line }) {
            errors.append(
                ProjectError(
                    file: file, line: foreign.value.line, "a \(kind.name) source has no \(foreign.key)",
                    hint: "its settings are \(route.keys.joined(separator: ", ")) (docs/warehouses.md)"))
            return nil
        }
        guard let selected = values[route.route]?.value else {
            errors.append(
                ProjectError(
                    file: file, line: first.value.line, "\(first.key) on source \(name) needs \(route.route)",
                    hint: "it is a setting of the API route: add \(kind.connectsWith.example)"))
            return nil
        }
        for key in ["private_key_file", "credentials_file"] {
            if let token = values["token"], values[key] != nil {
                errors.append(
                    ProjectError(
                        file: file, line: token.line, "source \(name) has both \(key) and token",
                        hint: "keep one: the key (\(key)) or an access token"))
                return nil
            }
        }
        let isProject = route.route == "project"
        return WarehouseAPISettings(
            url: isProject ? values["api_url"]?.value ?? BigQueryWarehouse.defaultAPIURL : selected,
            account: values["account"]?.value, user: values["user"]?.value,
            privateKeyPath: values["private_key_file"]?.value,
            privateKeyPassphrase: values["passphrase"].map { Secret($0.value) },
            token: values["token"].map { Secret($0.value) }, warehouse: values["warehouse"]?.value,
            database: values["database"]?.value, schema: values["schema"]?.value, role: values["role"]?.value,
            project: isProject ? selected : nil, dataset: values["dataset"]?.value,
            credentialsPath: values["credentials_file"]?.value)
    }
}

extension SourceConfig {
    /// The API settings with a relative `private_key_file` or `credentials_file` resolved against
    /// `projectDirectory`.
    func resolvedAPI(projectDirectory: URL) -> WarehouseAPISettings? {
        guard var api else { return nil }
        if let path = api.privateKeyPath, !path.hasPrefix("/") {
            api.privateKeyPath = projectDirectory.appendingPathComponent(path).path
        }
        if let path = api.credentialsPath, !path.hasPrefix("/") {
            api.credentialsPath = projectDirectory.appendingPathComponent(path).path
        }
        return api
    }
}

import Connectors
import Drivers
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
        let examples = [
            "account_url": "https://myorg-myaccount.snowflakecomputing.com", "api_url": BigQueryWarehouse.defaultAPIURL,
        ]
        for (key, example) in examples.sorted(by: { $0.key < $1.key }) {
            guard let given = values[key], let problem = Self.apiURLProblem(given.value, example: example) else {
                continue
            }
            errors.append(
                ProjectError(file: file, line: given.line, "source \(name): \(key) \(problem.0)", hint: problem.1))
            return nil
        }
        if isProject, let project = values["project"], !Self.isProjectID(project.value) {
            errors.append(
                ProjectError(
                    file: file, line: project.line, "source \(name): project \"\(project.value)\" is no project id",
                    hint: "a Google Cloud project id: lowercase letters, digits and hyphens (my-project), "
                        + "or example.com:my-project"))
            return nil
        }
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

extension ConfigReader {
    /// What is wrong with an API's base URL, and what to write instead; nil when it can be used: an
    /// `https://` (or loopback `http://`) URL with a host and no path, query or fragment (the client
    /// adds the API's paths).
    static func apiURLProblem(_ text: String, example url: String) -> (String, String)? {
        let example = "write the base URL alone, e.g. \(url)"
        guard let url = URL(string: text), url.host?.isEmpty == false else {
            return ("\"\(text)\" is no URL", example)
        }
        do { try HTTPURLPolicy.check(url) } catch { return ("\"\(text)\": \(error.message)", example) }
        if !(url.path.isEmpty || url.path == "/") || url.query != nil || url.fragment != nil || url.user != nil {
            return ("\"\(text)\" has more than a scheme, host and port", example)
        }
        return nil
    }

    /// Whether `text` is a Google Cloud project id (6-30 lowercase letters, digits and hyphens, from
    /// a letter), with a legacy domain prefix (`example.com:my-project`) allowed.
    static func isProjectID(_ text: String) -> Bool {
        let id = text.split(separator: ":", maxSplits: 1).last.map(String.init) ?? ""
        let domain = text.contains(":") ? String(text.prefix { $0 != ":" }) : ""
        let domainOK = domain.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") }
        guard let first = id.first, first.isASCII, first.isLetter, (1...30).contains(id.count), domainOK else {
            return false
        }
        return id.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
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

extension SourceConfig {
    /// What `validate` finds wrong with the source without connecting: a key file that is not there,
    /// then what the kind's own check refuses (no way to authenticate, a key that is no key, a key
    /// without its user or passphrase).
    func settingsProblems(projectDirectory: URL, configFile: String) -> [ProjectError] {
        let files = keyFileProblems(projectDirectory: projectDirectory, configFile: configFile)
        guard files.isEmpty else { return files }
        do {
            try kind.check(settings(projectDirectory: projectDirectory))
            return []
        } catch let error as ConnectorError {
            return [
                ProjectError(
                    file: configFile, line: line, "source \(name): \(error.message)", hint: error.hint,
                    code: .invalidValue)
            ]
        } catch {
            return [ProjectError(file: configFile, line: line, "source \(name): \(error)", code: .invalidValue)]
        }
    }

    /// A problem for each key file of the API route (`private_key_file`, `credentials_file`) that is
    /// not a readable file, so that `validate` finds it without connecting.
    func keyFileProblems(projectDirectory: URL, configFile: String) -> [ProjectError] {
        guard let api = resolvedAPI(projectDirectory: projectDirectory) else { return [] }
        let files = [("private_key_file", api.privateKeyPath), ("credentials_file", api.credentialsPath)]
        return files.compactMap { key, path -> ProjectError? in
            guard let path else { return nil }
            var info = stat()
            let problem: String
            if stat(path, &info) != 0 {
                problem = errno == ENOENT ? "it does not exist" : String(cString: strerror(errno))
            } else if (info.st_mode & S_IFMT) != S_IFREG {
                problem = "it is not a regular file"
            } else if access(path, R_OK) != 0 {
                problem = "it cannot be read: \(String(cString: strerror(errno)))"
            } else {
                return nil
            }
            return ProjectError(
                file: configFile, line: line, "source \(name): \(key) \(path): \(problem)",
                hint: "a relative path starts at the project directory; "
                    + (key == "private_key_file"
                        ? "docs/warehouses.md shows how to make the key pair"
                        : "download the service account's JSON key as docs/warehouses.md shows"),
                code: .file)
        }
    }
}

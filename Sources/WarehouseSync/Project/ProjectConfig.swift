import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

/// The whole `warehouse-sync.toml`.
public struct ProjectConfig: Sendable {
    public var file: String
    public var storeURL: Secret
    public var timezone: TimeZone
    public var maxConcurrentRuns: Int
    public var metricsFile: String?
    /// The line of `metrics_file`, for errors about it.
    public var metricsFileLine: Int?
    public var sources: [String: SourceConfig]
    /// `[destinations.NAME]`: where models' changes are delivered.
    public var destinations: [String: DestinationConfig] = [:]
    /// `[server]`: the HTTP API and dashboard of `serve`; nil when the config has no such table.
    public var server: ServerConfig?
    /// Unset environment variables of [server] and [alerts.NAME]: only `serve` needs them, and
    /// refuses to start while any is unset; `validate` warns.
    public var serveOnlyProblems: [ProjectError] = []
    /// `[dbt]`: the dbt project models ref (docs/dbt.md); nil when the config has no such table.
    public var dbt: DbtConfig?
    /// `[alerts.NAME]`: where `serve` sends alerts.
    public var alerts: [String: AlertConfig] = [:]
    /// How long the change log keeps a run's changes (`[store] change_retention`); nil keeps them
    /// forever, zero keeps none.
    public var changeRetention: Duration? = Self.defaultChangeRetention

    public static let defaultChangeRetention: Duration = .seconds(30 * 86400)
    public static let defaultStoreURL = "sqlite:.warehouse-sync/state.db"
}

extension ProjectConfig {
    /// Blanks every secret of the config (the store's and each source's passwords and tokens) out of text.
    public var secrets: SecretRedactor {
        let redactor = SecretRedactor()
        redactor.add(secretsIn: storeURL.reveal())
        for source in sources.values {
            if let url = source.url { redactor.add(secretsIn: url.reveal()) }
            if let odbc = source.odbc { redactor.add(secretsIn: odbc.reveal()) }
            if let password = source.password { redactor.add(secret: password.reveal()) }
            if let token = source.api?.token { redactor.add(secret: token.reveal()) }
            if let passphrase = source.api?.privateKeyPassphrase { redactor.add(secret: passphrase.reveal()) }
        }
        if let token = server?.token { redactor.add(secret: token.reveal()) }
        if let secret = dbt?.webhookSecret { redactor.add(secret: secret.reveal()) }
        // An alert URL's credential is its user:password, a token in its query, or a long path
        // segment (a Slack webhook's last one): blanking the whole URL would blank "http" and the
        // host out of every message.
        for alert in alerts.values {
            let url = alert.url.reveal()
            redactor.add(secretsIn: url)
            for segment in URL(string: url)?.pathComponents ?? [] where segment.count >= 16 {
                redactor.add(secret: segment)
            }
        }
        for destination in destinations.values {
            for header in destination.headers {
                let value = header.value.reveal()
                redactor.add(secret: value)
                // The token of "Bearer TOKEN" on its own too.
                if let token = value.split(separator: " ").last, token.count >= 6 {
                    redactor.add(secret: String(token))
                }
            }
            if let key = destination.writeKey {
                redactor.add(secret: key.reveal())
                // Sent as HTTP Basic auth: the encoded form is the same secret.
                redactor.add(secret: Data("\(key.reveal()):".utf8).base64EncodedString())
            }
            // A password in the url (sent as Basic auth), as written and encoded.
            if let password = destination.url.password(percentEncoded: false), !password.isEmpty {
                redactor.add(secret: password)
                let user = destination.url.user(percentEncoded: false) ?? ""
                redactor.add(secret: Data("\(user):\(password)".utf8).base64EncodedString())
            }
        }
        return redactor
    }

    /// Reads and checks the config; every problem found is reported together.
    /// - Parameters:
    ///   - environment: where `${NAME}` takes its values.
    /// - Throws: `ProjectErrors` with file:line for each problem.
    public static func load(text: String, file: String, environment: [String: String]) throws(ProjectErrors)
        -> ProjectConfig
    {
        let (config, errors) = loadCollecting(text: text, file: file, environment: environment)
        guard let config, errors.isEmpty else { throw ProjectErrors(errors) }
        return config
    }

    /// What of the config could be read, with every problem: a key or source in error is left
    /// out (a source whose password variable is unset, say), the rest is kept. Nil when the file
    /// is not TOML at all. For commands that need only the store (`runs`, `status`, `profile`).
    public static func loadCollecting(text: String, file: String, environment: [String: String]) -> (
        ProjectConfig?, [ProjectError]
    ) {
        let document: TOMLDocument
        do {
            document = try TOMLParser.parse(text, file: file)
        } catch {
            // A syntax error still leaves the store findable for the commands that need only it
            // (status --check judges a serve that runs on its last valid config).
            let (config, _) = loadCollecting(text: salvagedStoreTable(text), file: file, environment: environment)
            return (config, [error])
        }
        var reader = ConfigReader(file: file, environment: environment)
        var storeUnknown = false
        var config = ProjectConfig(
            file: file, storeURL: Secret(defaultStoreURL), timezone: TimeZone(identifier: "UTC")!,
            maxConcurrentRuns: 2, metricsFile: nil, sources: [:])
        for table in document.tables {
            switch table.path {
            case []:
                reader.rejectAll(
                    table.entries, in: "the top level",
                    hint: "put settings under [store], [scheduler] or [sources.NAME]")
            case ["store"]:
                // Only a url that cannot be read leaves the store unknown; another bad key is an error
                // that still lets the commands that only read the store find it.
                var urlFailed = false
                reader.read(table, allowed: ["url", "change_retention"]) { entry, r in
                    guard let text = r.string(entry) else {
                        if entry.key == "url" { urlFailed = true }
                        return
                    }
                    if entry.key == "change_retention" {
                        switch text {
                        case "forever": config.changeRetention = nil
                        case "0": config.changeRetention = .zero
                        default:
                            guard let duration = DurationText.parse(text) else {
                                return r.errors.append(
                                    ProjectError(
                                        file: r.file, line: entry.line, "invalid change_retention \"\(text)\"",
                                        hint: "write a duration such as 30d or 12h (at most 366d), \"0\" or \"forever\""
                                    ))
                            }
                            config.changeRetention = duration
                        }
                        return
                    }
                    let url = text
                    if let problem = StoreLocation.problem(url: url) {
                        r.errors.append(
                            ProjectError(file: r.file, line: entry.line, problem.message, hint: problem.hint))
                        urlFailed = true
                        return
                    }
                    config.storeURL = Secret(url)
                }
                storeUnknown = urlFailed
            case ["scheduler"]:
                reader.read(table, allowed: ["timezone", "max_concurrent_runs", "metrics_file"]) { entry, r in
                    switch entry.key {
                    case "timezone": if let zone = r.timezone(entry) { config.timezone = zone }
                    case "max_concurrent_runs": if let n = r.positive(entry) { config.maxConcurrentRuns = n }
                    default:
                        config.metricsFile = r.string(entry)
                        config.metricsFileLine = entry.line
                    }
                }
            case ["sources"]:
                reader.rejectAll(
                    table.entries, in: "[sources]", hint: "each source is a table of its own: [sources.NAME]")
            case let path where path.count == 2 && path[0] == "sources":
                if let source = reader.source(named: path[1], table) { config.sources[source.name] = source }
            case ["server"]:
                reader.deferUnsetVariables = true
                config.server = reader.server(table)
                reader.deferUnsetVariables = false
            case ["dbt"]:
                config.dbt = reader.dbt(table)
            case ["alerts"]:
                reader.rejectAll(
                    table.entries, in: "[alerts]", hint: "each alert is a table of its own: [alerts.NAME]")
            case let path where path.count == 2 && path[0] == "alerts":
                reader.deferUnsetVariables = true
                if let alert = reader.alert(named: path[1], table) { config.alerts[alert.name] = alert }
                reader.deferUnsetVariables = false
            case ["destinations"]:
                reader.rejectAll(
                    table.entries, in: "[destinations]",
                    hint: "each destination is a table of its own: [destinations.NAME]")
            case let path where path.count == 2 && path[0] == "destinations":
                if let destination = reader.destination(named: path[1], table) {
                    config.destinations[destination.name] = destination
                }
            default:
                reader.errors.append(
                    ProjectError(
                        file: file, line: table.line, "unknown table [\(table.path.joined(separator: "."))]",
                        hint:
                            "the tables are [store], [scheduler], [server], [dbt], [sources.NAME], "
                            + "[destinations.NAME] and [alerts.NAME]"))
            }
        }
        config.serveOnlyProblems = reader.serveOnly
        // Without a sure store, nothing can be read from it: the default is not what was meant.
        return (storeUnknown ? nil : config, reader.errors)
    }
}

/// The store of a file that does not parse, as a `[store]` table that does: its first `url` line,
/// as written when it parses, else the text of its value; the default store when there is none.
private func salvagedStoreTable(_ text: String) -> String {
    let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
        String(String.UnicodeScalarView($0))
    }
    var state = 0  // 0: before the table, 1: in it, 2: after it
    for line in lines where state < 2 {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("[") {
            let header = trimmed.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
            if state == 1 { state = 2 } else if header == "store" { state = 1 }
            continue
        }
        // The first url line: as written when it parses, else the text between its quotes.
        guard state == 1, let url = storeURL(inLine: line) else { continue }
        return "[store]\n" + url
    }
    return "[store]"
}

/// `url = ...` as a line that parses: the line itself, or its value's text (from the first quote to
/// the next unescaped one, or to the end of the line) as a literal string; nil for another key.
private func storeURL(inLine line: String) -> String? {
    let parts = line.split(separator: "=", maxSplits: 1)
    guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "url" else { return nil }
    if (try? TOMLParser.parse("[store]\n" + line, file: "")) != nil { return line }
    var value = parts[1].trimmingCharacters(in: .whitespaces).drop { $0 == "\"" || $0 == "'" }
    var text = ""
    var escaped = false
    while let character = value.first, escaped || (character != "\"" && character != "'") {
        value.removeFirst()
        escaped = !escaped && character == "\\"
        text.append(character)
    }
    text = text.trimmingCharacters(in: .whitespaces)
    guard !text.isEmpty, !text.contains("'") else { return nil }
    return "url = '\(text)'"
}

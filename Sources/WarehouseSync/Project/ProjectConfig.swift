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
    public var sources: [String: SourceConfig]
    /// `[destinations.NAME]`: where models' changes are delivered.
    public var destinations: [String: DestinationConfig] = [:]
    /// `[server]`: the HTTP API and dashboard of `serve`; nil when the config has no such table.
    public var server: ServerConfig?
    /// Unset environment variables of [server] and [alerts.NAME]: only `serve` needs them, and
    /// refuses to start while any is unset; `validate` warns.
    public var serveOnlyProblems: [ProjectError] = []
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
        }
        if let token = server?.token { redactor.add(secret: token.reveal()) }
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
                let before = reader.errors.count
                reader.read(table, allowed: ["url", "change_retention"]) { entry, r in
                    guard let text = r.string(entry) else { return }
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
                        return
                    }
                    config.storeURL = Secret(url)
                }
                storeUnknown = reader.errors.count > before
            case ["scheduler"]:
                reader.read(table, allowed: ["timezone", "max_concurrent_runs", "metrics_file"]) { entry, r in
                    switch entry.key {
                    case "timezone": if let zone = r.timezone(entry) { config.timezone = zone }
                    case "max_concurrent_runs": if let n = r.positive(entry) { config.maxConcurrentRuns = n }
                    default: config.metricsFile = r.string(entry)
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
                            "the tables are [store], [scheduler], [server], [sources.NAME], [destinations.NAME] and "
                            + "[alerts.NAME]"))
            }
        }
        config.serveOnlyProblems = reader.serveOnly
        // Without a sure store, nothing can be read from it: the default is not what was meant.
        return (storeUnknown ? nil : config, reader.errors)
    }
}

/// The `[store]` table's lines alone (blank lines kept in place of the others, so line numbers hold),
/// or nil when the file has none.
/// The `[store]` table of a file that does not parse, as a text that does: the table whole when it
/// parses alone, else each of its lines that parses alone (the first of a key set twice), else
/// nothing (the default store). Only the first `[store]` table counts.
private func salvagedStoreTable(_ text: String) -> String {
    let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
        String(String.UnicodeScalarView($0))
    }
    var table: [String] = []
    var state = 0  // 0: before the table, 1: in it, 2: after it
    for line in lines where state < 2 {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("[") {
            let header = trimmed.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
            if state == 1 { state = 2 } else if header == "store" { state = 1 }
            continue
        }
        if state == 1 { table.append(line) }
    }
    func parses(_ body: [String]) -> Bool {
        (try? TOMLParser.parse((["[store]"] + body).joined(separator: "\n"), file: "")) != nil
    }
    if parses(table) { return (["[store]"] + table).joined(separator: "\n") }
    var kept: [String] = []
    var keys: Set<String> = []
    // A line with text after its value keeps the key and the value's string.
    let leading = try? NSRegularExpression(pattern: #"^\s*[A-Za-z0-9_-]+\s*=\s*("([^"\\]|\\.)*"|'[^']*')"#)
    for line in table {
        var candidate = line
        if !parses([line]), let leading,
            let match = leading.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
            let range = Range(match.range, in: line)
        {
            candidate = String(line[range])
        }
        guard parses([candidate]) else { continue }
        let key = candidate.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) }
        if keys.insert(key ?? "").inserted { kept.append(candidate) }
    }
    return (["[store]"] + kept).joined(separator: "\n")
}

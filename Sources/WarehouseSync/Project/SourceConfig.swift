import Connectors
import Foundation
import SyncCore

/// One `[sources.NAME]` table.
public struct SourceConfig: Sendable {
    public var name: String
    public var kind: WarehouseKind
    /// `postgres://...` or conninfo (postgres, redshift); may hold a password, so it is a `Secret`.
    public var url: Secret?
    /// A full ODBC connection string or `DSN=...` (snowflake, bigquery, odbc).
    public var odbc: Secret?
    /// The database file (sqlite), relative to the project directory.
    public var path: String?
    public var password: Secret?
    public var maxConcurrentRuns: Int
    public var statementTimeout: Duration?
    /// BigQuery's region for `INFORMATION_SCHEMA` (cost and privilege queries); nil means `us`.
    public var region: String?
    /// Prices for `cost`'s money figures (docs/cost.md): per Snowflake credit, per TiB scanned or
    /// billed, per hour of execution; nil when not configured.
    public var prices = Prices()
    /// How long the warehouse's change statistics may trail a commit (skip rule, docs/cost.md): a run
    /// this soon after the model's previous run never skips. `statistics_lag`; `0s` trusts them at once.
    public var statisticsLag = SourceState.defaultStatisticsLag
    /// `scratch_schema`: the one schema (a BigQuery dataset) where `-- diff: warehouse` models keep
    /// their result tables (docs/warehouse-diff.md); nil when none is configured. A plain identifier, used unquoted.
    public var scratchSchema: String?
    /// The HTTP API route (`account_url` and the keys beside it, docs/warehouses.md); nil otherwise.
    public var api: WarehouseAPISettings?
    public var line: Int
}

extension ConfigReader {
    mutating func source(named name: String, _ table: TOMLDocument.Table) -> SourceConfig? {
        var kind: WarehouseKind?
        var api: [String: (value: String, line: Int)] = [:]
        var source = SourceConfig(name: name, kind: WarehouseKind.all[0], maxConcurrentRuns: 1, line: table.line)
        let before = errors.count
        read(
            table,
            allowed: [
                "kind", "url", "odbc", "path", "password", "max_concurrent_runs", "statement_timeout", "region",
                "location",
                "price_per_credit", "price_per_tib", "price_per_hour", "statistics_lag",
                "scratch_schema",
            ] + ConfigReader.apiKeys
        ) { entry, r in
            switch entry.key {
            case _ where ConfigReader.apiKeys.contains(entry.key):
                if let text = r.string(entry) { api[entry.key] = (text, entry.line) }
            case "price_per_credit", "price_per_tib", "price_per_hour":
                guard let text = r.string(entry) else { return }
                guard let price = Double(text), price.isFinite, price >= 0 else {
                    return r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line, "invalid \(entry.key) \"\(text)\"",
                            hint: "write the price as a decimal string in your currency, e.g. \(entry.key) = \"3.00\""))
                }
                switch entry.key {
                case "price_per_credit": source.prices.perCredit = price
                case "price_per_tib": source.prices.perTiB = price
                default: source.prices.perHour = price
                }
            case "statistics_lag":
                if r.string(entry).map({ ["0", "0s"].contains($0.trimmingCharacters(in: .whitespaces)) }) == true {
                    source.statisticsLag = .zero
                } else if let lag = r.duration(entry) {
                    source.statisticsLag = lag
                }
            case "scratch_schema":
                guard let text = r.string(entry) else { return }
                guard ScratchTables.isSchemaName(text) else {
                    return r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line, "invalid scratch_schema \"\(text)\"",
                            hint: "a schema (BigQuery: dataset) name of letters, digits and '_', e.g. warehouse_sync"))
                }
                source.scratchSchema = text
            case "kind":
                guard let text = r.string(entry) else { return }
                guard let parsed = WarehouseKind.named(text) else {
                    r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line, "unknown source kind \(text)",
                            hint: "kind is one of \(WarehouseKind.all.map(\.name).joined(separator: ", "))"))
                    return
                }
                kind = parsed
            case "url": source.url = r.string(entry).map(Secret.init)
            case "odbc": source.odbc = r.string(entry).map(Secret.init)
            case "path": source.path = r.string(entry)
            case "password": source.password = r.string(entry).map(Secret.init)
            case "max_concurrent_runs": source.maxConcurrentRuns = r.positive(entry) ?? 1
            case "region", "location":
                guard let text = r.string(entry) else { return }
                if source.region != nil {
                    r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line, "source \(name) has both region and location",
                            hint: "keep location (region is its older name)"))
                    return
                }
                guard !text.isEmpty,
                    text.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "-" })
                else {
                    r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line, "invalid \(entry.key) \"\(text)\"",
                            hint: "a BigQuery region such as us, eu or europe-west3"))
                    return
                }
                source.region = text.lowercased()
            default: source.statementTimeout = r.duration(entry)
            }
        }
        guard let kind else {
            if errors.count == before {
                errors.append(
                    ProjectError(
                        file: file, line: table.line, "source \(name) has no kind",
                        hint:
                            "add kind = \"postgres\" (or "
                            + "\(WarehouseKind.all.dropFirst().map(\.name).joined(separator: ", ")))"
                    ))
            }
            return nil
        }
        source.kind = kind
        if let lag = kind.statisticsLag, !table.entries.contains(where: { $0.key == "statistics_lag" }) {
            source.statisticsLag = lag
        }
        let needs = kind.connectsWith
        let routes = [needs.key] + kind.alternativeSettings
        let given = table.entries.filter { routes.contains($0.key) }
        if given.isEmpty {
            errors.append(
                ProjectError(
                    file: file, line: table.line, "source \(name) (\(kind.name)) needs \(needs.key)",
                    hint: "add \(needs.example)"))
        } else if given.count > 1 {
            errors.append(
                ProjectError(
                    file: file, line: given[1].line,
                    "source \(name) has both \(given[0].key) and \(given[1].key): they are two routes to the warehouse",
                    hint: "keep exactly one of \(routes.joined(separator: " and "))"))
        }
        source.api = apiSettings(api, source: name, kind: kind)
        return errors.count == before ? source : nil
    }
}

extension SourceConfig {
    /// Opens the source's warehouse, read-only: the one way a source is opened.
    /// - Parameters:
    ///   - projectDirectory: where a relative `path` starts.
    ///   - maximumBytesBilled: a cap the warehouse enforces on the query's bytes billed, where it can.
    /// - Throws: `ConnectorError` when it cannot connect.
    public func open(projectDirectory: URL, maximumBytesBilled: Double? = nil) throws -> any Warehouse {
        try kind.open(settings(projectDirectory: projectDirectory, maximumBytesBilled: maximumBytesBilled))
    }

    /// What the warehouse is opened with: relative paths resolved against `projectDirectory`.
    func settings(projectDirectory: URL, maximumBytesBilled: Double? = nil) -> WarehouseSettings {
        let resolved = path.map { $0.hasPrefix("/") ? $0 : projectDirectory.appendingPathComponent($0).path }
        return WarehouseSettings(
            url: url, password: password, odbc: odbc, path: resolved, region: region ?? "us",
            maximumBytesBilled: maximumBytesBilled, api: resolvedAPI(projectDirectory: projectDirectory))
    }
}

import Connectors
import Drivers
import SyncCore

/// What a run learns from the warehouse before its query runs (docs/cost.md): what the query reads
/// with each relation's change counters (for the skip rule), and the warehouse's estimate of
/// its cost (for the budget), asked of `EXPLAIN`, the catalog and the warehouse's metadata only.
struct PreRunProbe {
    /// The relations and counters; nil where the source has no probe or skipping is off.
    var sources: SourceProbe?
    /// Estimates by measure: `planner_total_cost` (PostgreSQL, Redshift), `bytes_assigned`
    /// (Snowflake).
    var estimates: [String: Double] = [:]

    /// Probes `sql` on `source`. `previousRun` is the run whose query the warehouse's history
    /// holds (Redshift and BigQuery read the tables it scanned); `probeSources` false asks only
    /// for the estimate.
    /// - Throws: `ConnectorError` when the warehouse refuses `EXPLAIN` or a metadata query.
    static func run(
        _ sql: String, model: String, on source: SourceHandle, previousRun: String?, probeSources: Bool,
        region: String, options: QueryOptions
    ) throws -> PreRunProbe {
        var result = PreRunProbe()
        switch source.config.kind {
        case .postgres:
            guard let postgres = source.connection as? PostgresSource else { return result }
            if probeSources {
                let probe = try postgres.probeSources(sql, options: options)
                result.sources = probe
                result.estimates["planner_total_cost"] = probe.totalCost
            } else {
                result.estimates["planner_total_cost"] = try? postgres.plannerTotalCost(sql, options: options)
            }
        case .redshift:
            let lines = try firstTexts(RedshiftProbe.explain(sql), source, options)
            result.estimates["planner_total_cost"] = RedshiftProbe.totalCost(explainLines: lines)
            guard probeSources else { break }
            var relations: [String: [Int64]] = [:]
            if let previousRun {
                let label = SessionTag(model: model, runID: previousRun).text
                let ids = try source.connection.collectAll(RedshiftProbe.scannedTables(label: label), options: options)
                    .rows.compactMap { counter($0.first) }
                if let changes = RedshiftProbe.tableChanges(ids) {
                    for row in try source.connection.collectAll(changes, options: options).rows {
                        guard let id = counter(row.first) else { continue }
                        relations["table_id:\(id)"] = row.dropFirst().map { counter($0) ?? -1 }
                    }
                }
            }
            result.sources = SourceProbe(
                relations: relations, time: QueryTimeScan.scan(sql),
                plan: digest(RedshiftProbe.shape(explainLines: lines)))
        case .snowflake:
            let explained = try source.connection.collectAll(SnowflakeProbe.explain(sql), options: options)
            let plan = SnowflakeProbe.plan(columns: explained.columns, rows: explained.rows)
            result.estimates["bytes_assigned"] = plan.bytesAssigned
            guard probeSources else { break }
            var relations: [String: [Int64]] = [:]
            if !plan.objects.isEmpty {
                relations = try namedCounters(SnowflakeProbe.changeTokens(plan.objects), source, options)
            }
            // A Snowflake session's CURRENT_DATE is in the account's timezone, which the probe does not know.
            let time = QueryTimeScan.scan(sql)
            result.sources = SourceProbe(
                relations: relations, time: time == .date ? .volatile : time, plan: digest(plan.shape))
        case .bigquery:
            guard probeSources else { break }
            var tables = RelationReferences(sql).relations.filter { (2...3).contains($0.count) }
                .map { $0.joined(separator: ".") }
            if let previousRun {
                tables += try firstTexts(
                    BigQueryProbe.referencedTables(runID: previousRun, region: region), source, options)
            }
            var relations: [String: [Int64]] = [:]
            if let modified = BigQueryProbe.lastModified(tables) {
                relations = try namedCounters(modified, source, options)
            }
            // No plan to digest: a redefined view moves its own last_modified_time.
            result.sources = SourceProbe(relations: relations, time: QueryTimeScan.scan(sql), plan: "")
        case .odbc, .sqlite:
            break
        }
        return result
    }

    /// The first column of each row of `sql`'s result that is text.
    private static func firstTexts(_ sql: String, _ source: SourceHandle, _ options: QueryOptions) throws -> [String] {
        try source.connection.collectAll(sql, options: options).rows.compactMap { row in
            if case .text(let text)? = row.first { text } else { nil }
        }
    }

    /// Rows of (name, number) as a relation's counters: the change token or modification time.
    private static func namedCounters(_ sql: String, _ source: SourceHandle, _ options: QueryOptions) throws
        -> [String: [Int64]]
    {
        var counters: [String: [Int64]] = [:]
        for row in try source.connection.collectAll(sql, options: options).rows {
            guard case .text(let name)? = row.first else { continue }
            counters[name] = [counter(row.dropFirst().first) ?? -1]
        }
        return counters
    }

    /// A metadata value as a counter; nil when it is no number an Int64 holds (never a trap).
    private static func counter(_ value: Value?) -> Int64? {
        value?.measure.flatMap { Int64(exactly: $0.rounded()) }
    }

    private static func digest(_ text: String) -> String {
        let digest = XXH3Digest()
        digest.update(text)
        return digest.hex
    }
}

import Connectors
import Drivers
import Stores
import SyncCore

/// The SQL that asks a warehouse what a model's query cost, run on the same session right
/// after the query, and how to read its one row (docs/how-it-works.md).
enum CostQueries {
    /// The cost query for `dialect`, or nil where the cost comes from elsewhere (PostgreSQL's
    /// planner) or is not reported (SQLite, generic ODBC).
    /// - Parameter region: BigQuery's region (`us`, `eu`, `europe-west3`); ignored elsewhere.
    static func sql(for dialect: Dialect, tag: SessionTag, region: String = "us") -> String? {
        switch dialect {
        case .redshift:
            // query_group becomes the query's label; times are in microseconds.
            return """
                SELECT elapsed_time, execution_time, queue_time, returned_bytes FROM SYS_QUERY_HISTORY
                WHERE session_id = pg_backend_pid() AND query_label = \(dialect.literal(tag.text)) AND query_type =
                    'SELECT'
                ORDER BY start_time DESC LIMIT 1
                """
        case .snowflake:
            return """
                SELECT BYTES_SCANNED, EXECUTION_TIME, TOTAL_ELAPSED_TIME, WAREHOUSE_SIZE
                FROM TABLE(INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => 100))
                WHERE QUERY_ID = LAST_QUERY_ID()
                """
        case .bigquery:
            let jobs =
                dialect.quote(identifier: "region-" + Dialect.bigQueryLabel(region))
                + ".INFORMATION_SCHEMA.JOBS_BY_USER"
            let label = dialect.literal(Dialect.bigQueryLabel(tag.runID))
            return """
                SELECT total_bytes_billed, total_slot_ms FROM \(jobs)
                WHERE EXISTS (SELECT 1 FROM UNNEST(labels) AS l
                              WHERE l.key = 'warehouse_sync_run' AND l.value = \(label))
                ORDER BY creation_time DESC LIMIT 1
                """
        case .postgres, .sqlite, .generic:
            return nil
        }
    }

    /// Reads the cost query's row into named measures.
    static func measures(for dialect: Dialect, row: [Value]) -> [String: Double] {
        func number(_ value: Value?) -> Double? { value?.measure }
        var out: [String: Double] = [:]
        switch dialect {
        case .redshift:
            out["elapsed_ms"] = number(row.first).map { $0 / 1000 }
            out["execution_ms"] = number(row.dropFirst().first).map { $0 / 1000 }
            out["queue_ms"] = number(row.dropFirst(2).first).map { $0 / 1000 }
            out["returned_bytes"] = number(row.dropFirst(3).first)
        case .snowflake:
            out["bytes_scanned"] = number(row.first)
            let execution = number(row.dropFirst().first)
            out["execution_ms"] = execution
            out["elapsed_ms"] = number(row.dropFirst(2).first)
            if case .text(let size)? = row.dropFirst(3).first, let perHour = SnowflakeProbe.creditsPerHour[size],
                let execution
            {
                out["estimated_credits"] = execution / 3_600_000 * perHour
            }
        case .bigquery:
            out["bytes_billed"] = number(row.first)
            out["slot_ms"] = number(row.dropFirst().first)
        default: break
        }
        return out
    }
}

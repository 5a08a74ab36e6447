import SyncCore

/// Redshift's SQL around a model's query
/// (https://docs.aws.amazon.com/redshift/latest/dg/c_SQL_commands.html).
public struct RedshiftDialect: WarehouseDiffDialect {
    public init() {}

    public var name: String { "redshift" }

    public func keyText(_ column: String) -> String { "CAST(\(column) AS TEXT)" }

    public func byteOrder(_ text: String) -> String? { "\(text) COLLATE \"C\"" }

    public func sessionSetup(tag: SessionTag?, timeout: Duration?) -> [String] {
        var statements = ["SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"]
        if let tag { statements.append("SET query_group TO \(literal(tag.text))") }
        if let timeout { statements.append("SET statement_timeout TO \(timeout.milliseconds)") }
        return statements
    }

    /// `SYS_QUERY_HISTORY`'s row of the model's query, found by the session and its `query_group`
    /// (which becomes the query's label); its times are in microseconds.
    public func costQuery(tag: SessionTag) -> String? {
        """
        SELECT elapsed_time, execution_time, queue_time, returned_bytes FROM SYS_QUERY_HISTORY
        WHERE session_id = pg_backend_pid() AND query_label = \(literal(tag.text)) AND query_type =
            'SELECT'
        ORDER BY start_time DESC LIMIT 1
        """
    }

    public func costMeasures(row: [Value]) -> [String: Double] {
        var out: [String: Double] = [:]
        out["elapsed_ms"] = row.first?.measure.map { $0 / 1000 }
        out["execution_ms"] = row.dropFirst().first?.measure.map { $0 / 1000 }
        out["queue_ms"] = row.dropFirst(2).first?.measure.map { $0 / 1000 }
        out["returned_bytes"] = row.dropFirst(3).first?.measure
        return out
    }

    // MARK: The diff inside the warehouse

    /// Redshift's `TEXT` is `VARCHAR(256)`.
    public var textType: String { "VARCHAR(65535)" }

    public func traitsHash(_ values: [String]) -> String {
        "MD5(\(lengthPrefixed(values) { "CAST(\($0) AS \(textType))" }))"
    }

    public func byBytes(_ text: String) -> String { "COLLATE(\(text), 'case_sensitive')" }

    public func usableKey(_ column: String) -> String {
        "(\(column) IS NOT NULL AND OCTET_LENGTH(\(column)) <= 1024 AND BTRIM(\(column), ' ' || CHR(9) || "
            + "CHR(10) || CHR(11) || CHR(12) || CHR(13)) <> '')"
    }

    public var resultKeyType: String? { "\(textType) COLLATE CASE_SENSITIVE" }
}

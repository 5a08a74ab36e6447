import SyncCore

/// BigQuery's GoogleSQL around a model's query
/// (https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical).
public struct BigQueryDialect: WarehouseDiffDialect {
    /// The region whose `INFORMATION_SCHEMA` holds the jobs and grants (`us`, `eu`, `europe-west3`).
    public var region: String

    public init(region: String = "us") { self.region = region }

    public var name: String { "bigquery" }

    /// `\` escapes in both quotes, `#` comments, backtick names; no `$$` strings, no nesting.
    public var conventions: SQLConventions {
        [.backslashEscapes, .backslashInDoubleQuotes, .hashComments, .backtickQuotes]
    }

    public func quote(identifier: String) -> String {
        "`" + identifier.replacingOccurrences(of: "`", with: "\\`") + "`"
    }

    public func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    public func keyText(_ column: String) -> String { "CAST(\(column) AS STRING)" }

    public func byteOrder(_ text: String) -> String? { "CAST(\(text) AS BYTES)" }

    /// Needs session mode (ODBC `EnableSession=1`); the cost query finds the job by this label.
    public func sessionSetup(tag: SessionTag?, timeout: Duration?) -> [String] {
        guard let tag else { return [] }
        return ["SET @@query_label = \"warehouse_sync_run:\(Self.label(tag.runID))\""]
    }

    /// BigQuery label values allow lowercase letters, digits, '_' and '-', up to 63 characters.
    public static func label(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }.prefix(63))
    }

    /// The region's `INFORMATION_SCHEMA` prefix, quoted: `` `region-us` ``.
    public var regionSchema: String { quote(identifier: "region-" + Self.label(region)) }

    /// The labelled job's bytes billed and slot time in `JOBS_BY_USER`.
    public func costQuery(tag: SessionTag) -> String? {
        """
        SELECT total_bytes_billed, total_slot_ms FROM \(regionSchema).INFORMATION_SCHEMA.JOBS_BY_USER
        WHERE EXISTS (SELECT 1 FROM UNNEST(labels) AS l
                      WHERE l.key = 'warehouse_sync_run' AND l.value = \(literal(Self.label(tag.runID))))
        ORDER BY creation_time DESC LIMIT 1
        """
    }

    public func costMeasures(row: [Value]) -> [String: Double] {
        var out: [String: Double] = [:]
        out["bytes_billed"] = row.first?.measure
        out["slot_ms"] = row.dropFirst().first?.measure
        return out
    }

    // MARK: The diff inside the warehouse

    public var textType: String { "STRING" }

    /// JSON text is canonical and injective for every BigQuery type, arrays and structs too.
    public func traitsHash(_ values: [String]) -> String {
        let fields = values.enumerated().map { "\($1) AS c\($0)" }.joined(separator: ", ")
        return values.isEmpty ? "FARM_FINGERPRINT('')" : "FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(\(fields))))"
    }

    public func byBytes(_ text: String) -> String { "COLLATE(\(text), '')" }

    public func usableKey(_ column: String) -> String {
        "(\(column) IS NOT NULL AND BYTE_LENGTH(\(column)) <= 1024 AND TRIM(\(column), ' \\t\\n\\v\\f\\r') "
            + "<> '' AND STRPOS(\(column), CODE_POINTS_TO_STRING([0])) = 0)"
    }

    public var resultKeyType: String? { nil }

    public func createResult(_ table: String, as select: String) -> String {
        "CREATE OR REPLACE TEMP TABLE \(table) AS \(select)"
    }

    /// The region's datasets (`INFORMATION_SCHEMA.SCHEMATA`).
    public func schemaCount(_ schema: String) -> String {
        "SELECT COUNT(*) FROM \(regionSchema).INFORMATION_SCHEMA.SCHEMATA WHERE LOWER(schema_name) = "
            + literal(schema.lowercased())
    }

    public func tables(schema: String, prefix: String) -> String {
        "SELECT table_name FROM \(schema).INFORMATION_SCHEMA.TABLES WHERE STARTS_WITH(table_name, "
            + "\(literal(prefix)))"
    }
}

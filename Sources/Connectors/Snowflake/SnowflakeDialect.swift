import SyncCore

/// Snowflake's SQL around a model's query (https://docs.snowflake.com/en/sql-reference).
public struct SnowflakeDialect: WarehouseDiffDialect {
    public init() {}

    public var name: String { "snowflake" }

    /// `\` escapes in strings, `//` comments, `$$` strings; block comments do not nest
    /// (https://docs.snowflake.com/en/sql-reference/data-types-text#string-constants).
    public var conventions: SQLConventions { [.backslashEscapes, .slashSlashComments, .dollarQuotes] }

    /// `identifier` in double quotes; a name of lower-case letters, digits and `_` only (`user_id`) is
    /// quoted upper-cased (`"USER_ID"`): it is the name of a column Snowflake folded to upper case,
    /// which the SQL API connection reads in lower case
    /// (https://docs.snowflake.com/en/sql-reference/identifiers-syntax).
    public func quote(identifier: String) -> String {
        let folded =
            identifier.first.map { !$0.isNumber } == true
            && identifier.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        let name = folded ? identifier.uppercased() : identifier
        return SQLText.doubleQuoted(name)
    }

    public func keyText(_ column: String) -> String { "TO_VARCHAR(\(column))" }

    public func byteOrder(_ text: String) -> String? { "COLLATE(\(text), 'utf8')" }

    public func sessionSetup(tag: SessionTag?, timeout: Duration?) -> [String] {
        var statements: [String] = []
        if let tag { statements.append("ALTER SESSION SET QUERY_TAG = \(literal(tag.text))") }
        if let timeout {
            statements.append("ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = \(max(1, timeout.milliseconds / 1000))")
        }
        return statements
    }

    /// The session's last query in `QUERY_HISTORY_BY_SESSION`.
    public func costQuery(tag: SessionTag) -> String? { Self.sessionCostQuery }

    /// `costQuery`'s text: the measures of the session's last query
    /// (https://docs.snowflake.com/en/sql-reference/functions/query_history).
    static let sessionCostQuery = """
        SELECT BYTES_SCANNED, EXECUTION_TIME, TOTAL_ELAPSED_TIME, WAREHOUSE_SIZE
        FROM TABLE(INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => 100))
        WHERE QUERY_ID = LAST_QUERY_ID()
        """

    /// The same measures of query `queryID` in the user's history: over the SQL API each request is a
    /// session of its own, and a statement's handle is its query id.
    static func costQuery(queryID: String) -> String {
        """
        SELECT BYTES_SCANNED, EXECUTION_TIME, TOTAL_ELAPSED_TIME, WAREHOUSE_SIZE
        FROM TABLE(INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER(RESULT_LIMIT => 1000))
        WHERE QUERY_ID = \(SnowflakeDialect().literal(queryID))
        """
    }

    /// Bytes scanned, times in milliseconds, and the credits the execution time used at the
    /// warehouse size's rate (`SnowflakeProbe.creditsPerHour`).
    public func costMeasures(row: [Value]) -> [String: Double] {
        var out: [String: Double] = [:]
        out["bytes_scanned"] = row.first?.measure
        let execution = row.dropFirst().first?.measure
        out["execution_ms"] = execution
        out["elapsed_ms"] = row.dropFirst(2).first?.measure
        if case .text(let size)? = row.dropFirst(3).first, let perHour = SnowflakeProbe.creditsPerHour[size],
            let execution
        {
            out["estimated_credits"] = execution / 3_600_000 * perHour
        }
        return out
    }

    // MARK: The diff inside the warehouse

    public var textType: String { "VARCHAR" }

    public func traitsHash(_ values: [String]) -> String { "SHA1(\(lengthPrefixed(values) { "TO_VARCHAR(\($0))" }))" }

    public func byBytes(_ text: String) -> String { "COLLATE(\(text), 'utf8')" }

    /// A transient table: no Fail-safe storage is billed for a table that lives one run
    /// (https://docs.snowflake.com/en/user-guide/tables-temp-transient).
    public func createScratchResult(_ table: String, as select: String) -> String {
        "CREATE OR REPLACE TRANSIENT TABLE \(table) AS \(select)"
    }

    public func usableKey(_ column: String) -> String {
        "(\(column) IS NOT NULL AND OCTET_LENGTH(\(column)) <= 1024 AND TRIM(\(column), ' ' || CHR(9) || "
            + "CHR(10) || CHR(11) || CHR(12) || CHR(13)) <> '' AND NOT CONTAINS(\(column), CHR(0)))"
    }

    public var resultKeyType: String? { nil }
}

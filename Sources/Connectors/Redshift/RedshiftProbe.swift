import SyncCore

/// docs/cost.md on Redshift, as SQL: the planner's estimate (`EXPLAIN`), the permanent tables the
/// model's previous run scanned (`SYS_QUERY_DETAIL` scan steps of the query labelled with that
/// run, views resolved), and for each table the end of its latest insert and delete steps
/// with its row count (`SYS_QUERY_DETAIL`, `SVV_TABLE_INFO`): metadata only. The sync user
/// sees other users' writes there only with `SYSLOG ACCESS UNRESTRICTED`. Pure.
public enum RedshiftProbe {
    /// `EXPLAIN` of the model's query: text rows, the first with the total cost.
    public static func explain(_ sql: String) -> String { "EXPLAIN\n" + SQLText.stripTrailingSemicolon(sql) }

    /// The total cost of the plan's first line (`XN Merge  (cost=0.00..1250.00 rows=...)`:
    /// 1250), or nil.
    public static func totalCost(explainLines: [String]) -> Double? {
        guard let first = explainLines.first, let range = first.range(of: "cost=") else { return nil }
        let rest = first[range.upperBound...]
        guard let dots = rest.range(of: "..") else { return nil }
        return Double(rest[dots.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    /// The plan's lines without costs and row estimates, to digest: a redefined view changes it.
    public static func shape(explainLines: [String]) -> String {
        explainLines.map { line in
            guard let open = line.range(of: "  (cost=") ?? line.range(of: " (cost="),
                let close = line[open.upperBound...].firstIndex(of: ")")
            else { return line }
            return String(line[..<open.lowerBound]) + String(line[line.index(after: close)...])
        }.joined(separator: "\n")
    }

    /// The ids of the permanent tables the query labelled `label` (a `SessionTag`'s text) scanned.
    public static func scannedTables(label: String) -> String {
        """
        SELECT DISTINCT d.table_id FROM SYS_QUERY_DETAIL d
        JOIN SYS_QUERY_HISTORY h ON h.query_id = d.query_id
        WHERE h.query_label = \(RedshiftDialect().literal(label)) AND d.step_name = 'scan' AND d.table_id > 0
        """
    }

    /// One row per table id: `(table_id, last_insert_us, last_delete_us, tbl_rows)`, the ends of
    /// its latest insert and delete steps in microseconds since the epoch (0 when none is
    /// recorded) and its rows (`TRUNCATE` changes those).
    public static func tableChanges(_ tableIDs: [Int64]) -> String? {
        guard !tableIDs.isEmpty else { return nil }
        let ids = Set(tableIDs).sorted().map(String.init).joined(separator: ", ")
        return """
            SELECT i.table_id,
                   coalesce(MAX(CASE WHEN d.step_name = 'insert' THEN
                       DATEDIFF(microsecond, '1970-01-01'::timestamp, d.end_time) END), 0),
                   coalesce(MAX(CASE WHEN d.step_name = 'delete' THEN
                       DATEDIFF(microsecond, '1970-01-01'::timestamp, d.end_time) END), 0),
                   coalesce(MAX(t.tbl_rows), -1)
            FROM (SELECT DISTINCT table_id FROM SVV_TABLE_INFO WHERE table_id IN (\(ids))) i
            LEFT JOIN SYS_QUERY_DETAIL d ON d.table_id = i.table_id AND d.step_name IN ('insert', 'delete')
            LEFT JOIN SVV_TABLE_INFO t ON t.table_id = i.table_id
            GROUP BY i.table_id
            """
    }
}

import Drivers
import SyncCore

/// A statement's cumulative counters in `pg_stat_statements` (PostgreSQL 14 or later).
struct StatementCounters: Equatable {
    var calls: Int64
    /// `total_exec_time`, in milliseconds.
    var executionMs: Double
    var sharedBlocksHit: Int64
    var sharedBlocksRead: Int64

    static let zero = StatementCounters(calls: 0, executionMs: 0, sharedBlocksHit: 0, sharedBlocksRead: 0)

    /// The measures one execution added between `earlier` and `self` (measured cost:
    /// `execution_ms`, `shared_blks_hit`, `shared_blks_read`, docs/cost.md), or nil unless exactly one call did:
    /// another session's run of the same text would be counted with ours.
    func measures(since earlier: StatementCounters) -> [String: Double]? {
        guard calls - earlier.calls == 1 else { return nil }
        return [
            "execution_ms": ((executionMs - earlier.executionMs) * 1000).rounded() / 1000,
            "shared_blks_hit": Double(sharedBlocksHit - earlier.sharedBlocksHit),
            "shared_blks_read": Double(sharedBlocksRead - earlier.sharedBlocksRead),
        ]
    }
}

extension PostgresSource {
    /// The counters of the statement whose text is `statement` run by this session's user in
    /// this database, read from `pg_stat_statements` outside any transaction; `.zero` when the
    /// statement has not run yet; nil when the extension is not installed in this database or
    /// not readable (not in `shared_preload_libraries`, PostgreSQL before 14). The text matches
    /// as the extension stores it: a top-level utility statement (our `COPY`) is kept verbatim,
    /// without surrounding whitespace.
    func statementCounters(_ statement: String) -> StatementCounters? {
        if statementStatsView == nil { statementStatsView = locateStatementStats() }
        guard let view = statementStatsView, let view else { return nil }
        let sql = """
            SELECT coalesce(sum(calls), 0), coalesce(sum(total_exec_time), 0), coalesce(sum(shared_blks_hit), 0),
                   coalesce(sum(shared_blks_read), 0)
            FROM \(view)
            WHERE toplevel AND query = $1
              AND userid = (SELECT oid FROM pg_roles WHERE rolname = current_user)
              AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            """
        guard let row = try? connection.execute(sql, [statement.trimmingWhitespace]), row.rowCount == 1 else {
            return nil
        }
        return StatementCounters(
            calls: Int64(row.text(0, 0) ?? "") ?? 0, executionMs: Double(row.text(0, 1) ?? "") ?? 0,
            sharedBlocksHit: Int64(row.text(0, 2) ?? "") ?? 0, sharedBlocksRead: Int64(row.text(0, 3) ?? "") ?? 0)
    }

    /// The qualified name of the `pg_stat_statements` view when it answers, else nil (asked
    /// once per session).
    private func locateStatementStats() -> String?? {
        guard
            let found = try? connection.execute(
                """
                SELECT quote_ident(n.nspname) || '.pg_stat_statements' FROM pg_extension e
                JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'
                """),
            found.rowCount == 1, let view = found.text(0, 0),
            (try? connection.execute("SELECT toplevel FROM \(view) LIMIT 0")) != nil
        else { return .some(nil) }
        return .some(view)
    }
}

extension String {
    /// Without leading and trailing whitespace, as PostgreSQL's scanner counts it.
    fileprivate var trimmingWhitespace: String {
        let space: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, 0x0C]
        var bytes = Substring(self).utf8[...]
        while let first = bytes.first, space.contains(first) { bytes.removeFirst() }
        while let last = bytes.last, space.contains(last) { bytes.removeLast() }
        return String(Substring(bytes))
    }
}

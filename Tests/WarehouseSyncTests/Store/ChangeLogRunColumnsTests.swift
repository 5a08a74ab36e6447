import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// docs/operations.md on both stores: the change log's tables keep each row's run seq alone, and
/// the `changes` view and `warehouse-sync changes` read its run id, model and time from the run's
/// row, in a new store and in one migrated from the shape that repeated them in every row.
@Suite struct ChangeLogRunColumnsTests {
    func columns(_ f: SyncFixture, _ table: StoreTable) throws -> [String] {
        let sql =
            f.storeKind == .sqlite
            ? "SELECT name FROM pragma_table_info('\(f.storeDialect.table(table))') ORDER BY cid"
            : "SELECT attname FROM pg_attribute WHERE attrelid = '\(f.storeDialect.table(table))'::regclass "
                + "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        return try f.storeRows(sql)
    }

    /// The schema versions whose change log still repeated each row's run, model and time.
    static let versionBefore: [StoreKind: Int] = [.sqlite: 10, .postgres: 11]

    /// Makes the store the shape it had before the change log kept its run's seq alone: the steps up to
    /// `versionBefore`, and that version.
    func storeBeforeTheChangeLogsRunSeq(_ f: SyncFixture) throws {
        let version = try #require(Self.versionBefore[f.storeKind])
        switch f.storeKind {
        case .sqlite:
            let db = try SQLiteDatabase(path: f.directory.appendingPathComponent("state.db").path, create: true)
            try db.execute("CREATE TABLE ws_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            for step in SQLiteMigrations.steps.prefix(version) { try db.execute(step) }
            try db.execute("INSERT INTO ws_meta VALUES ('schema_version', '\(version)')")
        case .postgres:
            let pg = try PGConnection(conninfo: f.storeURL)
            try pg.execute(
                "CREATE SCHEMA warehouse_sync; "
                    + "CREATE TABLE warehouse_sync.meta (key text PRIMARY KEY, value text NOT NULL)")
            for step in PostgresMigrations.steps.prefix(version) { try pg.execute(step) }
            try pg.execute("INSERT INTO warehouse_sync.meta VALUES ('schema_version', '\(version)')")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aChangeRowKeepsItsRunsSeqAndReadsTheRestFromTheRun(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(ChangeLogTests.customers)
        try f.model("ltv", "-- key: user_id\n-- max_removed: 50%\nSELECT user_id, ltv, risk FROM customers\n")
        let first = try f.sync("ltv").record
        try f.warehouse(
            "UPDATE customers SET risk = 'high' WHERE user_id = 'u1'; DELETE FROM customers WHERE user_id = 'u3'")
        let second = try f.sync("ltv").record
        #expect(try columns(f, .changeRows) == ["run_seq", "key", "trait", "old", "new"])
        #expect(try columns(f, .changeAdded) == ["run_seq", "key", "traits"])
        #expect(try columns(f, .changeRemoved) == ["run_seq", "key", "traits"])

        let all = try f.store().changes(ChangeQuery(limit: 100))
        #expect(all.count == 6 + 3, "added: 3 profiles × 2 traits; changed: 1 trait; removed: 1 profile × 2 traits")
        for (run, count) in [(first, 6), (second, 3)] {
            let logged = all.filter { $0.run == run.id }
            #expect(logged.count == count)
            let at = formatInstant(try #require(run.finishedAt))
            #expect(logged.allSatisfy { $0.model == "ltv" && $0.at == at }, "\(logged) at \(at)")
        }
        // `since` compares the run's finish: halfway between the two runs leaves the second's.
        let firstFinish = try #require(first.finishedAt)
        let middle = firstFinish.addingTimeInterval(try #require(second.finishedAt).timeIntervalSince(firstFinish) / 2)
        #expect(
            try f.store().changes(ChangeQuery(since: middle, limit: 100)).map(\.run)
                == Array(repeating: second.id, count: 3))
        #expect(try f.store().changes(ChangeQuery(model: "other", limit: 100)).isEmpty)

        // Plain SQL on the documented view sees each run's id, model and time.
        let view = f.storeDialect.table(.changes)
        let at = f.storeDialect.isoText("at")
        #expect(
            try f.storeRows("SELECT run, model, \(at) FROM \(view) GROUP BY run, model, at ORDER BY min(run_seq)")
                == [first, second].map {
                    "\($0.id)|ltv|\(formatInstant($0.finishedAt!))"
                })
    }
    /// A store migrated from the shape that kept run, model and at in every change-log row keeps every
    /// row, and reads those three from the run's row (its `at` from the run's finish, not the row's).
    @Test(arguments: StoreKind.allCases)
    func aChangeLogThatRepeatedItsRunIsKeptByTheMigration(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        // R1 finished at 2025-12-01T00:00:00Z, R2 an hour later; every logged row says 2025-01-01.
        let runs = [
            "('R1', 'ltv', 'wh', 'manual', 'succeeded', %@, %@)", "('R2', 'ltv', 'wh', 'manual', 'succeeded', %@, %@)",
        ]
        func values(_ instant: (Int) -> String) -> String {
            zip(runs, [1_764_547_200, 1_764_550_800]).map { run, seconds in
                run.replacingOccurrences(of: "%@", with: instant(seconds))
            }.joined(separator: ", ")
        }
        try storeBeforeTheChangeLogsRunSeq(f)
        switch store {
        case .sqlite:
            try f.storeExecute(
                """
                INSERT INTO ws_runs (id, model, source, trigger, status, started_at, finished_at) VALUES
                    \(values { "\($0)" });
                INSERT INTO ws_change_added VALUES
                    (1, 'R1', 'ltv', 'u1', '{"ltv":"10.5","risk":"\\"low\\""}', '2025-01-01T00:00:00Z');
                INSERT INTO ws_change_rows VALUES
                    (2, 'R2', 'ltv', 'u1', 'risk', '"low"', '"high"', '2025-01-01T00:00:00Z');
                INSERT INTO ws_change_removed VALUES
                    (2, 'R2', 'ltv', 'u3', '{"ltv":"30.25","risk":"\\"low\\""}', '2025-01-01T00:00:00Z');
                """)
        case .postgres:
            try f.storeExecute(
                """
                INSERT INTO warehouse_sync.runs (id, model, source, trigger, status, started_at, finished_at) VALUES
                    \(values { "to_timestamp(\($0))" });
                INSERT INTO warehouse_sync.change_added VALUES
                    (1, 'R1', 'ltv', 'u1', '{"ltv":10.5,"risk":"low"}', '2025-01-01T00:00:00Z');
                INSERT INTO warehouse_sync.change_rows VALUES
                    (2, 'R2', 'ltv', 'u1', 'risk', '"low"', '"high"', '2025-01-01T00:00:00Z');
                INSERT INTO warehouse_sync.change_removed VALUES
                    (2, 'R2', 'ltv', 'u3', '{"ltv":30.25,"risk":"low"}', '2025-01-01T00:00:00Z');
                """)
        }
        let log = try f.store().changes(ChangeQuery(limit: 10)).map {
            "\($0.run) \($0.model) \($0.at) \($0.key).\($0.trait): \($0.old ?? "-") -> \($0.new ?? "-")"
        }
        #expect(
            log == [
                "R2 ltv 2025-12-01T01:00:00Z u1.risk: \"low\" -> \"high\"",
                "R2 ltv 2025-12-01T01:00:00Z u3.ltv: 30.25 -> -",
                "R2 ltv 2025-12-01T01:00:00Z u3.risk: \"low\" -> -",
                "R1 ltv 2025-12-01T00:00:00Z u1.ltv: - -> 10.5",
                "R1 ltv 2025-12-01T00:00:00Z u1.risk: - -> \"low\"",
            ])
        #expect(try columns(f, .changeRows) == ["run_seq", "key", "trait", "old", "new"])
        #expect(try columns(f, .changeAdded) == ["run_seq", "key", "traits"])
        #expect(try columns(f, .changeRemoved) == ["run_seq", "key", "traits"])
    }

    /// A reader's own view on the documented view, and on PostgreSQL a role's SELECT on it, outlast the
    /// migration that moved the run's columns out of the log's tables: the migration neither fails on
    /// the view nor drops the grant.
    @Test(arguments: StoreKind.allCases)
    func aReadersViewAndGrantOnTheChangesViewOutlastTheMigration(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try storeBeforeTheChangeLogsRunSeq(f)
        let view = f.storeDialect.table(.changes)
        let runs = f.storeDialect.table(.runs)
        let finish = store == .sqlite ? "1764547200" : "to_timestamp(1764547200)"
        let changeRows = f.storeDialect.table(.changeRows)
        try f.storeExecute(
            """
            INSERT INTO \(runs) (id, model, source, trigger, status, started_at, finished_at)
                VALUES ('R1', 'ltv', 'wh', 'manual', 'succeeded', \(finish), \(finish));
            INSERT INTO \(changeRows) VALUES (1, 'R1', 'ltv', 'u1', 'risk', '"low"', '"high"', '2025-01-01T00:00:00Z');
            CREATE VIEW recent_changes AS SELECT run, model, key, trait FROM \(view);
            """)
        let role = "ws_changes_reader_\(UInt32.random(in: 0...UInt32.max))"
        if store == .postgres { try f.storeExecute("CREATE ROLE \(role); GRANT SELECT ON \(view) TO \(role)") }
        defer { if store == .postgres { try? f.storeExecute("DROP OWNED BY \(role); DROP ROLE \(role)") } }

        #expect(
            try f.store().changes(ChangeQuery(limit: 10)).map { "\($0.run) \($0.key).\($0.trait)" } == ["R1 u1.risk"])
        #expect(try columns(f, .changeRows) == ["run_seq", "key", "trait", "old", "new"])
        #expect(try f.storeRows("SELECT run, model, key, trait FROM recent_changes") == ["R1|ltv|u1|risk"])
        if store == .postgres {
            #expect(try f.storeRows("SELECT has_table_privilege('\(role)', '\(view)', 'SELECT')") == ["t"])
        }
    }

    /// On SQLite, a reader's filter on a change's run (here its `at`) is applied before an added or
    /// removed profile's traits are expanded into rows: in each branch of the view that expands them,
    /// the run is read before `json_each`.
    @Test func theSQLiteChangesViewReadsTheRunBeforeExpandingTraits() throws {
        let f = try SyncFixture(store: .sqlite)
        _ = try f.store()
        let plan = try f.storeRows(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM ws_changes WHERE at >= '2025-12-05T00:00:00Z'"
        ).map { $0.split(separator: "|").last.map(String.init) ?? "" }
        var branches: [[String]] = [[]]
        for step in plan {
            if step.contains("UNION ALL") || step.contains("LEFT-MOST SUBQUERY") { branches.append([]) }
            branches[branches.count - 1].append(step)
        }
        let expanding = branches.filter { $0.contains { $0.hasPrefix("SCAN e") } }
        #expect(expanding.count == 2, "\(plan)")
        for branch in expanding {
            let run = branch.firstIndex { $0.hasPrefix("SCAN r") || $0.hasPrefix("SEARCH r") }
            let traits = branch.firstIndex { $0.hasPrefix("SCAN e") }
            #expect(run != nil && traits != nil && run! < traits!, "\(branch)")
        }
    }
}

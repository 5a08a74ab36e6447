import Foundation
import TestSupport
import Testing

@testable import Drivers
@testable import Stores
@testable import SyncCore

/// docs/operations.md (upgrading): a migration and what the store's readers built or hold on its
/// tables. A reader's view keeps reading, or the migration is refused naming it; a reader's open
/// transaction makes it give up after a while, naming the session; a role that may not change the
/// store is told to open it once as its owner. Nothing is changed by a refused migration.
@Suite struct MigrationAndReadersTests {
    private let before = ChangeLogRunColumnsTests()

    private func schemaVersion(_ f: SyncFixture) throws -> [String] {
        try f.storeRows("SELECT value FROM \(f.storeDialect.table(.meta)) WHERE key = 'schema_version'")
    }

    private func storeError(_ open: () throws -> Any) -> StoreError? {
        do {
            _ = try open()
            return nil
        } catch {
            return error as? StoreError
        }
    }

    /// Views on the log's tables that read only the columns the migration keeps read the new tables,
    /// and on SQLite a later rename in the file still works (a broken view would fail it).
    @Test(arguments: StoreKind.allCases)
    func aReadersViewOnTheLogsTablesReadsThemAfterTheMigration(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try before.storeBeforeTheChangeLogsRunSeq(f)
        let (rows, added) = (f.storeDialect.table(.changeRows), f.storeDialect.table(.changeAdded))
        let finish = store == .sqlite ? "1764547200" : "to_timestamp(1764547200)"
        try f.storeExecute(
            """
            INSERT INTO \(f.storeDialect.table(.runs)) (id, model, source, trigger, status, started_at, finished_at)
                VALUES ('R1', 'ltv', 'wh', 'manual', 'succeeded', \(finish), \(finish));
            INSERT INTO \(rows) VALUES (1, 'R1', 'ltv', 'u1', 'risk', '"low"', '"high"', '2025-01-01T00:00:00Z');
            INSERT INTO \(added) VALUES (1, 'R1', 'ltv', 'u2', '{"risk":"\\"low\\""}', '2025-01-01T00:00:00Z');
            CREATE VIEW my_rows AS SELECT run_seq, key, trait, old, new FROM \(rows);
            CREATE VIEW my_added AS SELECT run_seq, key FROM \(added);
            """)

        _ = try f.store()
        #expect(try schemaVersion(f) != [String(try #require(ChangeLogRunColumnsTests.versionBefore[store]))])
        #expect(try f.storeRows("SELECT run_seq, key, trait, new FROM my_rows") == [#"1|u1|risk|"high""#])
        #expect(try f.storeRows("SELECT run_seq, key FROM my_added") == ["1|u2"])
        if store == .sqlite {
            try f.storeExecute("ALTER TABLE ws_leases RENAME TO ws_leases_renamed")
        }
    }

    /// A SQLite store from before the change log had tables of its own (version 6), with a reader's view
    /// on its `ws_changes` table and a view of the reader's that was already broken: the migrations
    /// rename that table without checking or rewriting views, so neither stops them, and the reader's
    /// view then reads the `ws_changes` view, which has the same columns.
    @Test func aVersionSixSQLiteStoreWithReadersViewsMigrates() throws {
        let f = try SyncFixture(store: .sqlite)
        let db = try SQLiteDatabase(path: f.directory.appendingPathComponent("state.db").path, create: true)
        try db.execute("CREATE TABLE ws_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for step in SQLiteMigrations.steps.prefix(6) { try db.execute(step) }
        try db.execute(
            """
            INSERT INTO ws_meta VALUES ('schema_version', '6');
            INSERT INTO ws_runs (id, model, source, trigger, status, started_at, finished_at)
                VALUES ('R1', 'ltv', 'wh', 'manual', 'succeeded', 1764547200, 1764547200);
            INSERT INTO ws_changes VALUES (1, 'R1', 'ltv', 'u1', 'risk', '"low"', '"high"', '2025-01-01T00:00:00Z');
            CREATE VIEW risk_changes AS SELECT run, model, key, new FROM ws_changes WHERE trait = 'risk';
            CREATE TABLE scratch (a);
            CREATE VIEW already_broken AS SELECT a FROM scratch;
            DROP TABLE scratch;
            """)

        _ = try f.store()
        #expect(try schemaVersion(f) == [String(SQLiteMigrations.steps.count)])
        #expect(try f.storeRows("SELECT run, model, key, new FROM risk_changes") == [#"R1|ltv|u1|"high""#])
    }

    /// A SQLite store whose migration copies its change log, on a disk without room for the copy: the
    /// migration fails as a full disk, says a migration needs room and that nothing was changed, and the
    /// store stays at its version; with room, it migrates.
    @Test func aMigrationWithoutRoomForItsCopySaysSoAndChangesNothing() throws {
        let mounted = try StoreDiskFullTests.mountSmallFileSystem(size: "24m")
        defer { StoreDiskFullTests.unmount(mounted) }
        let path = mounted.appendingPathComponent("state.db").path
        let version = try #require(ChangeLogRunColumnsTests.versionBefore[.sqlite])
        do {
            let db = try SQLiteDatabase(path: path, create: true)
            try db.execute("CREATE TABLE ws_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            for step in SQLiteMigrations.steps.prefix(version) { try db.execute(step) }
            try db.execute(
                """
                INSERT INTO ws_meta VALUES ('schema_version', '\(version)');
                INSERT INTO ws_runs (id, model, source, trigger, status, started_at, finished_at)
                    VALUES ('R1', 'ltv', 'wh', 'manual', 'succeeded', 1764547200, 1764547200);
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29999)
                INSERT INTO ws_change_added SELECT 1, 'R1', 'ltv', printf('customer-%08d', i),
                    '{"risk":"\\"low\\"","segment":"\\"gold\\""}', '2025-01-01T00:00:00Z' FROM n;
                """)
        }
        // Room to open the store (its -wal and -shm files), not for a copy of its change log.
        StoreDiskFullTests.fill(mounted)
        let filler = mounted.appendingPathComponent("filler").path
        let filled = try #require(try FileManager.default.attributesOfItem(atPath: filler)[.size] as? Int)
        #expect(truncate(filler, off_t(filled - 512 * 1024)) == 0)
        let open = { try StoreLocation(url: Secret("sqlite:\(path)"), projectDirectory: mounted).open() }
        func schemaVersion() throws -> String? {
            let statement = try SQLiteDatabase(path: path).prepare(
                "SELECT value FROM ws_meta WHERE key = 'schema_version'")
            return try statement.step() ? statement.text(0) : nil
        }

        let error = try #require(storeError(open))
        #expect(error.code == .file && error.isTransient)
        #expect(error.message.contains("migrating it was refused"), "\(error)")
        #expect(error.hint?.contains("needs about the store's size free") == true, "\(error)")
        #expect(error.hint?.contains("nothing was changed") == true)
        #expect(error.hint?.contains("runs retry") == false)
        #expect(try schemaVersion() == String(version))

        try FileManager.default.removeItem(atPath: filler)
        _ = try open()
        #expect(try schemaVersion() == String(SQLiteMigrations.steps.count))
    }

    /// A reader's view that reads a column the migration drops: the migration is refused, naming the
    /// view and what to do, and the store stays as it was; without the view it migrates.
    @Test(arguments: StoreKind.allCases)
    func aMigrationThatWouldBreakAReadersViewIsRefusedNamingIt(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try before.storeBeforeTheChangeLogsRunSeq(f)
        let versionBefore = [String(try #require(ChangeLogRunColumnsTests.versionBefore[store]))]
        try f.storeExecute(
            "CREATE VIEW runs_changed AS SELECT run, model, key FROM \(f.storeDialect.table(.changeRows))")

        let error = try #require(storeError { try f.store() })
        #expect(error.code == .schema)
        #expect(error.message.contains("runs_changed"))
        #expect(error.hint?.contains("rebuild it on the documented views") == true)
        #expect(error.hint?.contains("nothing was changed") == true)
        #expect(try schemaVersion(f) == versionBefore)
        #expect(try f.storeRows("SELECT count(*) FROM runs_changed") == ["0"])

        try f.storeExecute("DROP VIEW runs_changed")
        _ = try f.store()
        #expect(try schemaVersion(f) != versionBefore)
    }

    /// A reader idle in a transaction that read the changes view: the migration waits for its lock only
    /// so long, then says which session holds it; once the reader ends, the store migrates.
    @Test func aMigrationBehindAReadersOpenTransactionGivesUpNamingTheSession() throws {
        let f = try SyncFixture(store: .postgres)
        try before.storeBeforeTheChangeLogsRunSeq(f)
        let reader = try PGConnection(conninfo: f.storeURL)
        try reader.execute("SET application_name = 'ws_test_dashboard'")
        try reader.execute("BEGIN; SELECT count(*) FROM warehouse_sync.changes")
        let pid = try #require(try reader.execute("SELECT pg_backend_pid()").text(0, 0))

        let error = try #require(storeError { try f.store() })
        #expect(error.code == .schema)
        #expect(error.isTransient)
        #expect(error.message.contains("pid \(pid)"))
        #expect(error.message.contains("application ws_test_dashboard"))
        #expect(error.message.contains("idle in transaction"))
        #expect(error.hint?.contains("end those sessions' transactions") == true)
        #expect(try schemaVersion(f) == ["11"])

        try reader.execute("COMMIT")
        _ = try f.store()
        #expect(try schemaVersion(f) == [String(PostgresMigrations.steps.count)])
    }

    /// The sessions a refused migration names hold locks in the store's own database: a copy of the
    /// store made with `CREATE DATABASE ... TEMPLATE` has tables of the same OIDs, and a session reading
    /// the original (another database, which cannot block this one) is not named.
    @Test func theLockHoldersNamedAreSessionsOfTheStoresOwnDatabase() throws {
        let original = try TestPostgres.freshDatabase("locks")
        do {
            let setup = try PGConnection(conninfo: original.url)
            try setup.execute("CREATE SCHEMA warehouse_sync; CREATE TABLE warehouse_sync.profiles (key text)")
        }
        let copy = original.name + "_copy"
        try PGConnection(conninfo: try TestPostgres.url())
            .execute("CREATE DATABASE \(copy) TEMPLATE \(original.name)")
        var pids: [String] = []
        var readers: [PGConnection] = []
        for url in [original.url, try TestPostgres.url(database: copy)] {
            let reader = try PGConnection(conninfo: url)
            try reader.execute("BEGIN; SELECT count(*) FROM warehouse_sync.profiles")
            pids.append(try #require(try reader.execute("SELECT pg_backend_pid()").text(0, 0)))
            readers.append(reader)
        }

        let holders = try PostgresStoreDatabase(conninfo: try TestPostgres.url(database: copy)).lockHolders()
        #expect(holders.count == 1, "\(holders)")
        #expect(holders.first?.hasPrefix("pid \(pids[1]) ") == true, "\(holders)")
        for reader in readers { try reader.execute("COMMIT") }
    }

    /// A role that may read the store but not change it opens a store that needs migrating: it is told
    /// to open the store once as its owner.
    @Test func aRoleThatMayNotChangeTheStoreIsToldToOpenItOnceAsItsOwner() throws {
        let f = try SyncFixture(store: .postgres)
        try before.storeBeforeTheChangeLogsRunSeq(f)
        let database = try #require(try f.storeRows("SELECT current_database()").first)
        let role = try TestPostgres.createRole(password: "reader-secret", in: database)
        let url = "postgresql://\(role):reader-secret@127.0.0.1:\(try TestPostgres.port())/\(database)"

        let error = try #require(
            storeError { try StoreLocation(url: Secret(url), projectDirectory: f.directory).open() })
        #expect(error.code == .schema)
        #expect(error.message.contains("migrating it was refused"))
        #expect(error.hint?.contains("open it once as a user or role that may change the store") == true)
        #expect(try schemaVersion(f) == ["11"])
    }
}

import Drivers
import Foundation
import SyncCore

/// The production store: tables in schema `warehouse_sync` of a PostgreSQL database, behind the
/// store written once (`SQLStore`).
package typealias PostgresStore = SQLStore<PostgresStoreDatabase>

extension SQLStore where Database == PostgresStoreDatabase {
    /// Connects; a store behind this binary's schema is migrated (under a lock), a current one is
    /// only read, so readers take no lock.
    /// - Throws: `ConnectorError` when the server cannot be reached; `StoreError` when the store's
    ///   schema is newer than this binary.
    package convenience init(conninfo: String) throws {
        let database = try PostgresStoreDatabase(conninfo: conninfo)
        try Self.makeCurrent(database)
        self.init(database: database)
    }
}

/// The PostgreSQL side of the store's seam: one libpq connection.
package final class PostgresStoreDatabase: StoreDatabase {
    let connection: PGConnection
    /// The advisory lock key of trait ownership (any constant; "wsto" in ASCII).
    static let traitOwnershipLock = 0x7773_746F
    /// The advisory lock key of migrations.
    static let migrationLock = 7_216_463_281

    package var dialect: StoreDialect { .postgres }
    /// The database and server, never the password.
    package var name: String { "in PostgreSQL (database \(connection.databaseName) on \(connection.hostName))" }
    package lazy var place: String = name
    package var isFile: Bool { false }
    package static var migrations: [String] { PostgresMigrations.steps }

    init(conninfo: String) throws {
        connection = try PGConnection(conninfo: conninfo, applicationName: "warehouse-sync store")
        try connection.execute("SET TimeZone = 'UTC'")
    }

    private static func text(_ values: [StoreValue]) -> [String?] {
        values.map { value in
            switch value {
            case .null: nil
            case .text(let text): text
            case .integer(let n): String(n)
            case .real(let x): String(x)
            case .blob(let bytes): PostgresArrayLiteral.hex(bytes)
            }
        }
    }

    package func run(_ sql: String, _ values: [StoreValue]) throws -> Int {
        try classifying { try connection.execute(sql, Self.text(values)).affectedRows }
    }

    package func query(_ sql: String, _ values: [StoreValue], _ row: (any StoreRow) throws -> Void) throws {
        try classifying {
            let result = try connection.execute(sql, Self.text(values))
            for index in 0..<result.rowCount { try row(PostgresStoreRow(result: result, row: index)) }
        }
    }

    package func runScript(_ sql: String) throws { try classifying { try connection.execute(sql) } }

    package func tableExists(_ table: StoreTable) throws -> Bool {
        try first("SELECT to_regclass($1) IS NOT NULL", [.text(dialect.table(table))]) { $0.text(0) } == "t"
    }

    package func columns(of table: StoreTable) throws -> Set<String> {
        var names: Set<String> = []
        try query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'warehouse_sync' "
                + "AND table_name = $1", [.text(table.rawValue)]
        ) { row in
            if let name = row.text(0) { names.insert(name) }
        }
        return names
    }

    // MARK: - Transactions

    package func beginWrite() throws { try classifying { try connection.execute("BEGIN") } }

    package func lockForCommit(model: String) throws {
        try classifying {
            // FOR UPDATE: no one takes the lease while this run commits.
            try connection.execute("SELECT 1 FROM warehouse_sync.leases WHERE model = $1 FOR UPDATE", [model])
            // One commit at a time checks and takes trait ownership.
            try connection.execute("SELECT pg_advisory_xact_lock(\(Self.traitOwnershipLock))")
        }
    }

    package func beginMigration() throws {
        try classifying {
            try connection.execute("BEGIN")
            // One migrator at a time across processes.
            try connection.execute("SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
            // Not before the advisory lock: another process's long migration is worth waiting for. A
            // reader's open transaction is not: it may never end (docs/operations.md, upgrading).
            try connection.execute("SET LOCAL lock_timeout = '\(Self.migrationLockTimeout)'")
            try connection.execute("CREATE SCHEMA IF NOT EXISTS warehouse_sync")
        }
    }

    /// How long a migration waits for another session's lock on a table it changes.
    static let migrationLockTimeout = "10s"

    package func readerViews() throws -> [String: Bool] {
        var views: [String: Bool] = [:]
        try query(
            """
            SELECT DISTINCT v.oid::regclass::text FROM pg_depend d
            JOIN pg_rewrite w ON w.oid = d.objid JOIN pg_class v ON v.oid = w.ev_class
            JOIN pg_class t ON t.oid = d.refobjid
            WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND v.oid <> t.oid
              AND t.relnamespace = 'warehouse_sync'::regnamespace AND t.relkind = 'r'
              AND NOT (v.relnamespace = 'warehouse_sync'::regnamespace AND v.relname IN ('changes', 'profile_traits'))
            """, []
        ) { row in
            if let name = row.text(0) { views[name] = true }
        }
        return views
    }

    package func lockHolders() throws -> [String] {
        var holders: [String] = []
        // pg_locks lists every database's locks, and a copy of this one (CREATE DATABASE ... TEMPLATE)
        // has tables of the same OIDs: only this database's sessions can hold its tables.
        try query(
            """
            SELECT DISTINCT a.pid, a.usename, a.application_name, a.state,
                to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.granted AND c.relnamespace = 'warehouse_sync'::regnamespace AND l.pid <> pg_backend_pid()
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY a.pid
            """, []
        ) { row in
            var text = "pid \(row.text(0) ?? "?") (user \(row.text(1) ?? "?")"
            if let application = row.text(2), !application.isEmpty { text += ", application \(application)" }
            if let state = row.text(3) { text += ", \(state)" }
            if let since = row.text(4) { text += " in a transaction since \(since)" }
            holders.append(text + ")")
        }
        return holders
    }

    package func commitTransaction() throws { try classifying { try connection.execute("COMMIT") } }
    package func rollback() { _ = try? connection.execute("ROLLBACK") }

    // MARK: - Bulk paths

    package func changeWriter(
        record: RunRecord, runSeq: Int64, traitNames: [String], previousTraitNames: [String], logChanges: Bool,
        destinations: [String], intoEmptyStore: Bool
    ) throws
        -> any StoreChangeWriter
    {
        try classifying {
            ClassifyingChangeWriter(
                inner: try PostgresChangeWriter(
                    connection: connection, record: record, runSeq: runSeq, traitNames: traitNames,
                    previousTraitNames: previousTraitNames, logChanges: logChanges, destinations: destinations,
                    intoEmptyStore: intoEmptyStore), place: place, isFile: isFile)
        }
    }

    /// With `deferringTraits`, only each row's key and hash are read: a third fewer bytes for the
    /// server to send and the client to parse on a rerun, where most rows are unchanged.
    package func snapshotCursor(model: String, deferringTraits: Bool) throws -> any SnapshotCursor {
        // The primary key's index gives this order as the rows stream; without enable_sort = off,
        // stale statistics after a large first sync can make the planner sort them all first.
        try classifying {
            try connection.execute("BEGIN READ ONLY; SET LOCAL enable_sort = off")
            do {
                let reader = try PostgresSnapshotCursor.copy(
                    model: model, defersTraits: deferringTraits, connection: connection)
                let cursor = PostgresSnapshotCursor(
                    reader: reader, connection: connection, model: model, defersTraits: deferringTraits,
                    endsTransaction: true)
                return ClassifyingCursor(inner: cursor, place: place, isFile: isFile)
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}

@available(*, unavailable)
extension PostgresStoreDatabase: Sendable {}

/// One row of a libpq result; every value arrives as text.
struct PostgresStoreRow: StoreRow {
    let result: PGResult
    let row: Int

    func text(_ column: Int) -> String? { result.text(row, column) }
    func integer(_ column: Int) -> Int64? { result.text(row, column).flatMap { Int64($0) } }
    func real(_ column: Int) -> Double? { result.text(row, column).flatMap { Double($0) } }
    /// bytea arrives in its hex text form, `\\x0a1b...`.
    func blob(_ column: Int) -> [UInt8]? {
        guard let text = result.text(row, column) else { return nil }
        let digits = Array(text.utf8.dropFirst(2))
        func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
        return stride(from: 0, to: digits.count - 1, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
    }
}

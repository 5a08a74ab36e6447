import Drivers
import Foundation
import SyncCore

/// Setting up a store file: WAL mode, the schema version, migrations and the runs table's columns.
extension SQLiteStore {
    /// Whether the store's schema is this binary's: its migrations and its runs table's fields.
    static func isCurrent(_ database: SQLiteDatabase) throws -> Bool {
        guard try schemaVersion(database) == SQLiteMigrations.steps.count else { return false }
        let read = try database.prepare("SELECT value FROM ws_meta WHERE key = 'run_fields'")
        return try read.step() && read.text(0) == RunRecord.fieldsFingerprint
    }

    /// The schema version a store file records, 0 for a new file.
    static func schemaVersion(_ database: SQLiteDatabase) throws -> Int {
        let table = try database.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'ws_meta'")
        guard try table.step(), table.int64(0) == 1 else { return 0 }
        let read = try database.prepare("SELECT value FROM ws_meta WHERE key = 'schema_version'")
        return try read.step() ? Int(read.text(0) ?? "0") ?? 0 : 0
    }

    /// Puts a new store file in WAL mode (the mode is kept in the file). Switching needs the file to
    /// itself, and SQLite does not wait for that: two processes opening a brand-new store at once
    /// would see "database is locked". A store already in WAL mode is left as it is.
    static func useWriteAheadLog(_ db: SQLiteDatabase) throws {
        try whileBusy {
            // The statement that reads the mode must be done before the mode can change.
            let current = try { () throws -> String? in
                let mode = try db.prepare("PRAGMA journal_mode")
                return try mode.step() ? mode.text(0)?.lowercased() : nil
            }()
            if current != "wal" { try db.execute("PRAGMA journal_mode = WAL") }
        }
    }

    /// Runs `body` again while SQLite answers "database is locked" at once (a new store being set up
    /// by another connection: its busy handler does not cover every lock), for up to 30 s.
    static func whileBusy<T>(_ body: () throws -> T) throws -> T {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try body()
            } catch let error as ConnectorError where error.code == .timeout && ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// Adds a column to `ws_runs` for each run field it lacks (`RunRecord.fields` grew).
    func addMissingRunColumns() throws {
        let info = try db.prepare("SELECT name FROM pragma_table_info('ws_runs')")
        var present: Set<String> = []
        while try info.step() { if let name = info.text(0) { present.insert(name) } }
        for field in RunRecord.fields where !present.contains(field.name) {
            let type =
                switch field.kind {
                case .text, .measures: "TEXT"
                case .integer: "INTEGER NOT NULL DEFAULT 0"
                case .instant: "REAL"
                }
            try db.execute("ALTER TABLE ws_runs ADD COLUMN \(field.name) \(type)")
        }
        let record = try db.prepare(
            "INSERT INTO ws_meta (key, value) VALUES ('run_fields', ?1) "
                + "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        record.bind(1, RunRecord.fieldsFingerprint)
        try record.step()
    }

    func migrate() throws {
        try db.execute("BEGIN IMMEDIATE")
        do {
            try db.execute("CREATE TABLE IF NOT EXISTS ws_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            let read = try db.prepare("SELECT value FROM ws_meta WHERE key = 'schema_version'")
            let version = try read.step() ? Int(read.text(0) ?? "0") ?? 0 : 0
            guard version <= SQLiteMigrations.steps.count else {
                throw StoreError(
                    "the store \(path) has schema version \(version), newer than this warehouse-sync knows "
                        + "(\(SQLiteMigrations.steps.count)); upgrade warehouse-sync", code: .schema)
            }
            for step in SQLiteMigrations.steps.dropFirst(version) { try db.execute(step) }
            try addMissingRunColumns()
            try db.execute(
                "INSERT INTO ws_meta (key, value) VALUES ('schema_version', '\(SQLiteMigrations.steps.count)') ON "
                    + "CONFLICT (key) DO UPDATE SET value = excluded.value"
            )
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}

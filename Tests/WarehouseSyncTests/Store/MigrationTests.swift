import Foundation
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

@Suite struct MigrationTests {
    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ws-migrate-\(UUID().uuidString).db").path
    }

    @Test func anOlderSQLiteStoreIsMigratedOnOpen() throws {
        let path = Self.path()
        let db = try SQLiteDatabase(path: path, create: true)
        try db.execute("CREATE TABLE ws_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        try db.execute(SQLiteMigrations.steps[0])
        try db.execute("INSERT INTO ws_meta VALUES ('schema_version', '1')")
        _ = try SQLiteStore(path: path)
        let version = try db.prepare("SELECT value FROM ws_meta WHERE key = 'schema_version'")
        #expect(try version.step())
        #expect(version.text(0) == String(SQLiteMigrations.steps.count))
        let view = try db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = 'profile_traits'")
        #expect(try view.step())
        #expect(view.int64(0) == 1)
    }

    /// Migration 7 keeps every change-log row of a store at version 6, under the `ws_changes` view (and
    /// migration 11 reads each row's run from its run's row).
    @Test func theChangeLogOfAVersionSixStoreIsKept() throws {
        let path = Self.path()
        let db = try SQLiteDatabase(path: path, create: true)
        try db.execute("CREATE TABLE ws_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for step in SQLiteMigrations.steps.prefix(6) { try db.execute(step) }
        try db.execute("INSERT INTO ws_meta VALUES ('schema_version', '6')")
        try db.execute(
            "INSERT INTO ws_runs (id, model, source, trigger, status, started_at, finished_at) VALUES "
                + "('R1', 'ltv', 'wh', 'manual', 'succeeded', 1764547200, 1764547200), "
                + "('R2', 'ltv', 'wh', 'manual', 'succeeded', 1764633600, 1764633600)")
        try db.execute(
            "INSERT INTO ws_changes VALUES (1, 'R1', 'ltv', 'u1', 'ltv', NULL, '10.5', '2026-12-01T00:00:00Z'), "
                + "(2, 'R2', 'ltv', 'u1', 'ltv', '10.5', '11', '2026-12-02T00:00:00Z')")
        let store = try SQLiteStore(path: path)
        let log = try store.changes(ChangeQuery(limit: 10)).map { "\($0.run) \($0.old ?? "-") \($0.new ?? "-")" }
        #expect(log == ["R2 10.5 11", "R1 - 10.5"])
        let view = try db.prepare("SELECT type FROM sqlite_master WHERE name = 'ws_changes'")
        #expect(try view.step())
        #expect(view.text(0) == "view")
    }

    @Test func aStoreNewerThanThisBinaryIsRefused() throws {
        let path = Self.path()
        _ = try SQLiteStore(path: path)
        try SQLiteDatabase(path: path).execute("UPDATE ws_meta SET value = '99' WHERE key = 'schema_version'")
        let error = try #require(throws: StoreError.self) { try SQLiteStore(path: path) }
        #expect(error.message.contains("schema version 99, newer than this warehouse-sync knows"))
    }
}

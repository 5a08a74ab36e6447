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

    @Test func aStoreNewerThanThisBinaryIsRefused() throws {
        let path = Self.path()
        _ = try SQLiteStore(path: path)
        try SQLiteDatabase(path: path).execute("UPDATE ws_meta SET value = '99' WHERE key = 'schema_version'")
        let error = try #require(throws: StoreError.self) { try SQLiteStore(path: path) }
        #expect(error.message.contains("schema version 99, newer than this warehouse-sync knows"))
    }
}

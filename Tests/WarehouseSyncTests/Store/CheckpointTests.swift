import Foundation
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The SQLite store leaves the write-ahead log on close and folds it into the file in the
/// background when the next run starts.
@Suite struct CheckpointTests {
    static func fileSize(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? -1
    }

    /// The bytes the database has, read through the log; the file holds them all once checkpointed.
    static func logicalSize(_ path: String) throws -> Int {
        let db = try SQLiteDatabase(path: path)
        db.setCheckpointOnClose(false)
        let pages = try db.prepare("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
        _ = try pages.step()
        return Int(pages.int64(0))
    }

    @Test func closingTheStoreLeavesTheLogAndTheNextRunFoldsItIn() throws {
        let path = MigrationTests.path()
        do {
            let store = try SQLiteStore(path: path)
            try store.db.execute(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
                INSERT INTO profiles (key, traits, updated_at) SELECT 'k' || i, json_object('note',
                    hex(randomblob(500))), 'now' FROM n
                """)
        }
        let committed = try Self.logicalSize(path)
        #expect(committed > 2_000_000)
        #expect(try Self.fileSize(path + "-wal") > 2_000_000, "the commit is in the log")
        #expect(try Self.fileSize(path) < committed, "closing did not copy the log into the file")

        let store = try SQLiteStore(path: path)
        store.startCheckpoint()
        #expect(store.waitForCheckpoint() == nil)
        #expect(try Self.fileSize(path) == committed)
        let count = try store.db.prepare("SELECT count(*) FROM profiles")
        _ = try count.step()
        #expect(count.int64(0) == 2000)
    }

    @Test func aSyncFoldsInTheLogThePreviousRunLeft() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            "CREATE TABLE customers AS SELECT 'u' || g AS user_id, g * 1.5 AS ltv, repeat('x', 200) AS note FROM "
                + "generate_series(1, 3000) g"
        )
        try f.model("ltv", "-- key: user_id\n-- skip_unchanged: false\nSELECT user_id, ltv, note FROM customers\n")
        let path = String(f.storeURL.dropFirst("sqlite:".count))
        try f.sync("ltv")
        let afterFirst = try Self.logicalSize(path)
        #expect(try Self.fileSize(path) < afterFirst, "the first run's writes wait in the log")
        let second = try f.sync("ltv").record
        #expect(second.unchanged == 3000)
        #expect(try Self.fileSize(path) >= afterFirst, "the second run copied them into the file")
    }

    /// The log's salts (bytes 16-23 of its header): SQLite draws new ones each time the log starts
    /// over from its first frame (https://www.sqlite.org/fileformat.html#the_write_ahead_log).
    static func logSalts(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path + "-wal"))[16..<24])
    }

    @Test func aRunsCommitStartsTheLogOverOnceItsCheckpointCopiedIt() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            "CREATE TABLE customers AS SELECT 'u' || g AS user_id, g * 1.5 AS ltv, repeat('x', 200) AS note FROM "
                + "generate_series(1, 3000) g"
        )
        // The pause gives the run's background checkpoint time to finish before the commit.
        try f.model(
            "ltv",
            "-- key: user_id\n-- skip_unchanged: false\nWITH pause AS (SELECT pg_sleep(1))\n"
                + "SELECT user_id, ltv, note FROM customers, pause\n")
        let path = String(f.storeURL.dropFirst("sqlite:".count))
        try f.sync("ltv")
        let first = try Self.logSalts(path)
        try f.warehouse("UPDATE customers SET ltv = ltv + 1 WHERE user_id = 'u7'")
        #expect(try f.sync("ltv").record.changed == 1)
        // The checkpoint copied the lease the run took as well, so nothing kept the log from starting over.
        #expect(try Self.logSalts(path) != first, "the second run's commit appended to the log instead")
    }
}

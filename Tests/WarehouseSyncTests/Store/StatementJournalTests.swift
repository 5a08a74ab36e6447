import Foundation
import Testing

@testable import Drivers
@testable import WarehouseSync

/// A statement inside a run's transaction keeps what it changed, to undo that statement alone, in
/// memory up to a bound (SQLiteDatabase); past it the record moves to a file, and the run still commits.
@Suite struct StatementJournalTests {
    @Test func aRemovalThatChangesThousandsOfPagesInOneStatementCommits() throws {
        let f = try SyncFixture(store: .sqlite)
        // Rows of 1.5 KB: a removal batch's one UPDATE changes a page or more for every two profiles,
        // megabytes of pages to keep for undoing it, far past what stays in memory.
        try f.warehouse(
            "CREATE TABLE customers AS SELECT 'u' || lpad(g::text, 5, '0') AS user_id, g AS ltv, repeat('x', 1500) "
                + "AS note FROM generate_series(1, 3000) g")
        try f.model("ltv", "-- key: user_id\n-- max_removed: 100%\nSELECT user_id, ltv, note FROM customers\n")
        #expect(try f.sync("ltv").record.added == 3000)
        try f.warehouse("DELETE FROM customers WHERE ltv > 500")
        let run = try f.sync("ltv").record
        #expect(run.status == .succeeded)
        #expect(run.removed == 2500)
        let path = String(f.storeURL.dropFirst("sqlite:".count))
        let db = try SQLiteDatabase(path: path)
        db.setCheckpointOnClose(false)
        let left = try db.prepare("SELECT count(*) FROM profiles WHERE json_extract(traits, '$.ltv') IS NOT NULL")
        _ = try left.step()
        #expect(left.int64(0) == 500)
    }
}

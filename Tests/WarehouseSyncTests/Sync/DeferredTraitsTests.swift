import Foundation
import TestSupport
import Testing

@testable import SyncCore
@testable import WarehouseSync

/// A rerun reads the snapshot's keys and hashes, and the old traits only of the keys that changed
/// or left (the PostgreSQL store): looked up when they are few, read in one more pass when they are
/// many. Either way the change log holds each trait's old value, and the profiles end as with the
/// traits read inline.
@Suite struct DeferredTraitsTests {
    @Test(arguments: StoreKind.allCases)
    func fewAndManyChangesLogTheirOldValues(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            """
            CREATE TABLE customers (user_id text, ltv integer, risk text);
            INSERT INTO customers SELECT 'u' || lpad(g::text, 3, '0'), g, 'low' FROM generate_series(1, 200) g;
            """)
        try f.model("ltv", "-- key: user_id\n-- max_removed: 100%\n-- skip_unchanged: false\nSELECT * FROM customers\n")
        _ = try f.sync("ltv")
        // A few (8 of 200): each looked up.
        try f.warehouse(
            "UPDATE customers SET risk = 'high' WHERE ltv <= 5; DELETE FROM customers WHERE ltv IN (100, 150, 200)")
        let few = try f.sync("ltv").record
        #expect([few.changed, few.removed, few.unchanged] as [Int] == [5, 3, 192])
        let fewLog = try f.store().changes(ChangeQuery(run: few.id, limit: 100))
        #expect(fewLog.filter { $0.trait == "risk" && $0.old == "\"low\"" && $0.new == "\"high\"" }.count == 5)
        #expect(
            fewLog.filter { $0.key == "u150" }.map { [$0.trait, $0.old, $0.new] } == [
                ["ltv", "150", nil], ["risk", "\"low\"", nil],
            ])
        // Many (97 of 197): one more pass over the snapshot.
        try f.warehouse("UPDATE customers SET ltv = ltv + 1000 WHERE ltv % 2 = 0")
        let many = try f.sync("ltv").record
        #expect([many.changed, many.removed, many.unchanged] as [Int] == [97, 0, 100])
        let manyLog = try f.store().changes(ChangeQuery(run: many.id, limit: 1000))
        #expect(manyLog.count == 97 && manyLog.allSatisfy { Int($0.old ?? "")! + 1000 == Int($0.new ?? "")! })
        #expect(try f.traits("u004") == ["ltv": "1004", "risk": "\"high\""])
        #expect(try f.traits("u150") == [:])
    }
}

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

    /// é and e + ◌́ are equal Swift strings but different keys: each keeps its own old traits.
    @Test(arguments: StoreKind.allCases)
    func canonicallyEquivalentKeysKeepTheirOwnOldTraits(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            """
            CREATE TABLE c (user_id text, score integer);
            INSERT INTO c SELECT 'u' || lpad(g::text, 3, '0'), g FROM generate_series(1, 100) g;
            INSERT INTO c VALUES ('e' || U&'\\0301', 10), (U&'\\00E9', 20);
            """)
        try f.model("m", "-- key: user_id\n-- skip_unchanged: false\nSELECT * FROM c\n")
        _ = try f.sync("m")
        try f.warehouse(
            "UPDATE c SET score = 20 WHERE user_id = 'e' || U&'\\0301';"
                + "UPDATE c SET score = 30 WHERE user_id = U&'\\00E9'")
        let run = try f.sync("m").record
        #expect([run.changed, run.removed] as [Int] == [2, 0])
        let log = try f.store().changes(ChangeQuery(run: run.id, limit: 100))
        let decomposed = log.filter { Array($0.key.utf8) == Array("e\u{301}".utf8) }
        #expect(decomposed.map { [$0.trait, $0.old, $0.new] } == [["score", "10", "20"]])
        #expect(try f.traits("e\u{301}") == ["score": "20"])
        #expect(try f.traits("\u{E9}") == ["score": "30"])
    }

    /// Keys with the bytes an array literal quotes or escapes, changed and removed, looked up.
    @Test(arguments: StoreKind.allCases)
    func keysWithQuotesAndBracesKeepTheirOldTraits(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        let odd = [
            "a\"b", "a\\b", "{x}", "a,b", " sp ", "NULL", "null", "\\\"", "{\"a\",\"b\"}", "tab\there",
            "é ü 漢字 🙂", "x'y", String(repeating: "k\\\"", count: 300),
        ]
        let values = odd.enumerated().map { i, k in "('" + k.replacingOccurrences(of: "'", with: "''") + "', \(i))" }
        try f.warehouse(
            """
            CREATE TABLE c (user_id text, score integer);
            INSERT INTO c SELECT 'u' || lpad(g::text, 3, '0'), g FROM generate_series(1, 200) g;
            INSERT INTO c VALUES \(values.joined(separator: ", "));
            """)
        try f.model("m", "-- key: user_id\n-- max_removed: 100%\n-- skip_unchanged: false\nSELECT * FROM c\n")
        _ = try f.sync("m")
        // The even ones change, the odd ones leave.
        let evens = odd.indices.filter { $0 % 2 == 0 }.map(String.init).joined(separator: ",")
        let odds = odd.indices.filter { $0 % 2 == 1 }.map(String.init).joined(separator: ",")
        try f.warehouse(
            "UPDATE c SET score = score + 1000 WHERE user_id NOT LIKE 'u%' AND score IN (\(evens));"
                + "DELETE FROM c WHERE user_id NOT LIKE 'u%' AND score IN (\(odds))")
        let run = try f.sync("m").record
        #expect([run.changed, run.removed] as [Int] == [7, 6])
        let log = try f.store().changes(ChangeQuery(run: run.id, limit: 1000))
        for (i, key) in odd.enumerated() {
            let expected: [String?] = i % 2 == 0 ? ["\(i)", "\(i + 1000)"] : ["\(i)", nil]
            #expect(log.filter { $0.key == key }.map { [$0.old, $0.new] } == [expected], "\(key)")
        }
    }
}

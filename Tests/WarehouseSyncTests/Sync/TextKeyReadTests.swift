import Foundation
import TestSupport
import Testing

@testable import Drivers
@testable import SyncCore
@testable import WarehouseSync

/// A PostgreSQL model whose key is `text` or `varchar` is read without the key's text cast beside
/// it (ordered by the key column itself, in byte order); any other key type keeps the cast column.
/// Either way the keys, their order and the row hashes are the same, so switching a model between
/// the two changes nothing.
@Suite struct TextKeyReadTests {
    /// The statements of the runs' reads that the warehouse's `pg_stat_statements` counted.
    private static func reads(_ f: SyncFixture) throws -> [String] {
        let rows = try PGConnection(conninfo: f.warehouseURL).execute(
            """
            SELECT query FROM pg_stat_statements
            WHERE query LIKE 'COPY (%' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)
        return (0..<rows.rowCount).compactMap { rows.text($0, 0) }
    }

    @Test(arguments: ["text", "varchar(2000)", "integer", "char(4)"])
    func onlyATextKeyIsReadWithoutItsCastColumn(type: String) throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            """
            CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
            CREATE TABLE c (id \(type), score integer);
            INSERT INTO c SELECT CAST(g AS \(type)), g FROM generate_series(1, 20) g;
            """)
        try f.model("m", "-- key: id\n-- skip_unchanged: false\nSELECT id, score FROM c\n")
        #expect(try f.sync("m").record.added == 20)
        #expect(try f.sync("m").record.unchanged == 20)
        let reads = try Self.reads(f)
        #expect(reads.count == 1)
        let castColumn = reads.contains { $0.contains(SQLText.keyTextColumn) }
        #expect(castColumn == !["text", "varchar(2000)"].contains(type), "\(reads)")
        #expect(try f.traits("7") == ["score": "7"])
    }

    /// Keys whose bytes COPY escapes or that sort differently by collation than by bytes, as text.
    @Test(arguments: StoreKind.allCases)
    func oddTextKeysKeepTheirBytesAndOrder(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        let keys = [
            "a\tb", "a\\b", "a\nb", "a\rb", "é", "e\u{301}", "E", "e", "_x", "Z", "🙂", "\\N", "x'y", "  pad",
        ]
        let values = keys.enumerated().map { "('" + $1.replacingOccurrences(of: "'", with: "''") + "', \($0))" }
        try f.warehouse(
            """
            CREATE TABLE c (user_id varchar(64), score integer);
            INSERT INTO c VALUES \(values.joined(separator: ", "));
            INSERT INTO c SELECT 'u' || g, g FROM generate_series(100, 400) g;
            """)
        try f.model("m", "-- key: user_id\n-- max_removed: 100%\n-- skip_unchanged: false\nSELECT * FROM c\n")
        #expect(try f.sync("m").record.added == keys.count + 301)
        let stored = try f.allProfiles()
        // é and e + ◌́ are one key of a Swift dictionary: the second is told apart by the rerun's counts.
        for (i, key) in keys.enumerated() where key != "e\u{301}" {
            #expect(stored.first { Array($0.key.utf8) == Array(key.utf8) }?.value == ["score": "\(i)"], "\(key)")
        }
        try f.warehouse("UPDATE c SET score = score + 1000 WHERE user_id IN ('é', 'a\tb', 'u250')")
        try f.warehouse("DELETE FROM c WHERE user_id = 'e' || U&'\\0301'")
        let run = try f.sync("m").record
        #expect([run.changed, run.removed, run.unchanged] as [Int] == [3, 1, keys.count + 297])
    }

    /// A model moved from a `char(n)` key (read through its cast) to a `varchar` one (read as is)
    /// finds every row unchanged: same keys, same hashes.
    @Test(arguments: StoreKind.allCases)
    func switchingBetweenTheTwoReadsChangesNothing(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            """
            CREATE TABLE c (user_id varchar(8), score integer, tier text);
            INSERT INTO c SELECT 'u' || lpad(g::text, 3, '0'), g, 'low' FROM generate_series(1, 300) g;
            """)
        let header = "-- key: user_id\n-- skip_unchanged: false\n"
        try f.model("m", header + "SELECT CAST(user_id AS char(4)) AS user_id, score, tier FROM c\n")
        #expect(try f.sync("m").record.added == 300)
        try f.model("m", header + "SELECT user_id, score, tier FROM c\n")
        let run = try f.sync("m").record
        #expect([run.added, run.changed, run.removed, run.unchanged] as [Int] == [0, 0, 0, 300])
        try f.model("m", header + "SELECT CAST(user_id AS char(4)) AS user_id, score, tier FROM c\n")
        #expect(try f.sync("m").record.unchanged == 300)
    }
}

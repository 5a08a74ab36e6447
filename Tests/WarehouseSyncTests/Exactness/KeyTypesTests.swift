import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// Any key the warehouse can cast to text works: sync, rerun with no change, remove one row, for
/// every common key type, through libpq, psqlodbc and a SQLite source.
@Suite struct KeyTypesTests {
    /// A key type, its values (SQL literals), and the key text of the first value.
    static let postgresKeys: [(type: String, values: [String], firstKey: String)] = [
        ("text", ["'a'", "'B'", "'é'"], "a"),
        ("varchar(10)", ["'a b'", "'a'", "'ab'"], "a b"),
        ("char(8)", ["'C001'", "'C002'", "'C010'"], "C001"),
        ("integer", ["1", "-5", "20"], "1"),
        ("bigint", ["9223372036854775807", "-9223372036854775808", "0"], "9223372036854775807"),
        ("numeric", ["1.50", "10", "-0.001"], "1.50"),
        (
            "uuid",
            [
                "'00000000-0000-0000-0000-00000000000a'", "'ffffffff-0000-0000-0000-000000000000'",
                "'12345678-1234-1234-1234-123456789012'",
            ],
            "00000000-0000-0000-0000-00000000000a"
        ),
        ("date", ["'2024-01-01'", "'1999-12-31'", "'0044-03-15 BC'"], "2024-01-01"),
        (
            "timestamp", ["'2024-01-01 00:00:00'", "'2024-01-01 00:00:00.25'", "'2023-06-01 12:00:00'"],
            "2024-01-01 00:00:00"
        ),
        (
            "timestamptz", ["'2024-01-01 00:00:00+00'", "'2024-01-01 00:00:00.25+00'", "'2024-01-01 00:00:00.5+00'"],
            "2024-01-01 00:00:00+00"
        ),
        ("boolean", ["true", "false"], "true"),
        ("bytea", ["'\\x00'", "'\\xff01'", "''"], "\\x00"),
    ]

    enum Path: String, CaseIterable, CustomTestStringConvertible {
        case libpq, psqlodbc
        var testDescription: String { rawValue }
    }

    static func odbcProject(_ f: SyncFixture) throws {
        let password = "Kt4\(UUID().uuidString)"
        let role = try TestPostgres.createRole(password: password, in: f.warehouseDatabase)
        let odbc = try ODBCTestSources.postgres(database: f.warehouseDatabase, role: role, password: password)
        try "[store]\nurl = \"\(f.storeURL)\"\n[sources.wh]\nkind = \"odbc\"\nodbc = \"\(odbc)\"\n"
            .write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
    }

    @Test(arguments: Path.allCases, StoreKind.allCases)
    func everyPostgresKeyTypeSyncsRerunsUnchangedAndLosesOneRow(path: Path, store: StoreKind) throws {
        for key in Self.postgresKeys {
            let f = try SyncFixture(store: store)
            let rows = key.values.enumerated().map { "(\($1), \($0))" }.joined(separator: ", ")
            try f.warehouse("CREATE TABLE k (id \(key.type), v int); INSERT INTO k VALUES \(rows)")
            if path == .psqlodbc { try Self.odbcProject(f) }
            try f.model("m", "-- key: id\n-- max_removed: 100%\n-- skip_unchanged: false\nSELECT id, v FROM k")
            let first = try f.sync("m")
            #expect(first.record.added == key.values.count, "\(key.type)")
            #expect(
                try f.traits(key.firstKey) == ["v": "0"], "\(key.type): \((try? f.allProfiles().keys.sorted()) ?? [])")
            let again = try f.sync("m")
            #expect(
                again.record.unchanged == key.values.count && again.record.changed == 0 && again.record.added == 0,
                "\(key.type)")
            try f.warehouse("DELETE FROM k WHERE v = 1")
            let removed = try f.sync("m")
            #expect(removed.record.removed == 1 && removed.record.unchanged == key.values.count - 1, "\(key.type)")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func everySQLiteKeyTypeSyncsRerunsUnchangedAndLosesOneRow(store: StoreKind) throws {
        let keys: [(type: String, values: [String], firstKey: String)] = [
            ("TEXT", ["'a'", "'B'", "'é'"], "a"),
            ("INTEGER", ["1", "-5", "20"], "1"),
            ("REAL", ["1.5", "-2.25", "1e300"], "1.5"),
            ("BLOB", ["x'00ff'", "x'01'", "x''"], "00FF"),
            ("DATE", ["'2024-01-01'", "'1999-12-31'", "'2024-01-02'"], "2024-01-01"),
        ]
        for key in keys {
            let f = try SyncFixture(store: store, source: .sqlite)
            let rows = key.values.enumerated().map { "(\($1), \($0))" }.joined(separator: ", ")
            try f.warehouse("CREATE TABLE k (id \(key.type), v INTEGER); INSERT INTO k VALUES \(rows)")
            try f.model("m", "-- key: id\n-- max_removed: 100%\n-- skip_unchanged: false\nSELECT id, v FROM k")
            let first = try f.sync("m")
            // An empty blob's key text is blank: it is counted invalid, not synced.
            let usable = key.type == "BLOB" ? 2 : key.values.count
            #expect(first.record.added == usable, "\(key.type)")
            #expect(
                try f.traits(key.firstKey) == ["v": "0"], "\(key.type): \((try? f.allProfiles().keys.sorted()) ?? [])")
            let again = try f.sync("m")
            #expect(again.record.unchanged == usable && again.record.changed == 0, "\(key.type)")
            try f.warehouse("DELETE FROM k WHERE v = 1")
            #expect(try f.sync("m").record.removed == 1, "\(key.type)")
        }
    }

    @Test func aCharKeyIsFoundByItsTextWithoutPadding() async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE c (customer_code char(8), plan text); INSERT INTO c VALUES ('C001', 'gold')")
        try f.model("m", "-- key: customer_code\nSELECT customer_code, plan FROM c")
        #expect(try f.sync("m").record.added == 1)
        let profile = await runCLI(["profile", "C001", "--json"], in: f.directory)
        #expect(profile.status == 0, "\(profile.err)")
        #expect(profile.out.contains("\"plan\":\"gold\""))
    }
}

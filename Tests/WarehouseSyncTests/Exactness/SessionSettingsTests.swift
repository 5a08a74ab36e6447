import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// A value's canonical form does not depend on any database, role or session setting, and
/// distinct values (BC and AD) have distinct forms.
@Suite struct SessionSettingsTests {
    static let table = """
        CREATE TABLE facts (id text, tenure interval, spent money, first_seen timestamptz, born date, ratio float8,
                            at timestamp, blob bytea, started timestamptz, ended timestamptz);
        INSERT INTO facts VALUES
          ('a', '2 mons 14 days', 1234.50, '2024-01-01 12:00:00.25+00', '2020-02-29', 0.1, '2024-01-01 00:00:00',
              '\\x00ff',
           '2024-01-01', '2024-03-15'),
          ('b', '-1 year 3 days 04:05:06.5', -0.99, '0001-01-01 00:00:00+00 BC', '0044-03-15 BC', 1e300, '0001-06-01
              00:00:00 BC', '',
           '2020-01-01', '2024-03-15'),
          ('c', '0', 0, '0001-01-01 00:00:00+00', '0044-03-15', 'NaN', 'infinity', NULL, '2024-01-01', '2024-01-01');
        """

    enum Path: String, CaseIterable, CustomTestStringConvertible {
        case libpq, psqlodbc
        var testDescription: String { rawValue }
    }

    @Test(arguments: Path.allCases)
    func valuesKeepTheirFormWhenTheDatabaseAndTheRoleChangeEverySetting(path: Path) async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(Self.table)
        let password = "Qv8\(UUID().uuidString)"
        let role = try TestPostgres.createRole(password: password, in: f.warehouseDatabase)
        f.environment = ["WH_PASSWORD": password]
        if path == .libpq {
            try f.writeConfig(
                sourceURL: "postgresql://\(role)@127.0.0.1:\(try TestPostgres.port())/\(f.warehouseDatabase)",
                extraSource: "password = \"${WH_PASSWORD}\"")
        } else {
            let odbc = try ODBCTestSources.postgres(
                database: f.warehouseDatabase, role: role, password: "${WH_PASSWORD}")
            try "[store]\nurl = \"\(f.storeURL)\"\n[sources.wh]\nkind = \"odbc\"\nodbc = \"\(odbc)\"\n"
                .write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        }
        try f.model(
            "m",
            "-- key: id\nSELECT id, tenure, age(ended, started) AS span, spent, first_seen, born, ratio, at, blob FROM "
                + "facts"
        )
        let first = await runCLI(["sync", "m", "--json"], in: f.directory, environment: f.environment)
        #expect(first.status == 0, "\(first.out)\(first.err)")
        let a = try f.traits("a")
        let b = try f.traits("b")
        let c = try f.traits("c")
        #expect(a["spent"] == "1234.5")
        #expect(b["spent"] == "-0.99")
        #expect(a["tenure"] == "\"2 mons 14 days\"")
        #expect(b["first_seen"] != c["first_seen"], "BC and AD must differ")
        if path == .libpq {
            #expect(a["first_seen"] == "\"2024-01-01T12:00:00.25Z\"")
            #expect(b["born"] == "\"-0043-03-15\"")
            #expect(c["born"] == "\"0044-03-15\"")
            #expect(b["first_seen"] == "\"0000-01-01T00:00:00Z\"")
        }
        let admin = try PGConnection(conninfo: f.warehouseURL)
        try admin.execute(
            """
            ALTER DATABASE \(f.warehouseDatabase) SET IntervalStyle = 'iso_8601';
            ALTER DATABASE \(f.warehouseDatabase) SET DateStyle = 'SQL, DMY';
            ALTER DATABASE \(f.warehouseDatabase) SET extra_float_digits = 0;
            ALTER ROLE \(role) SET TimeZone = 'America/New_York';
            ALTER ROLE \(role) SET bytea_output = 'escape';
            ALTER ROLE \(role) SET IntervalStyle = 'sql_standard';
            ALTER ROLE \(role) SET lc_monetary = 'C.utf8';
            """)
        let rerun = await runCLI(["sync", "m", "--json"], in: f.directory, environment: f.environment)
        #expect(rerun.status == 0, "\(rerun.err)")
        #expect(rerun.out.contains("\"changed\" : 0"), "\(rerun.out)")
        #expect(rerun.out.contains("\"unchanged\" : 3"), "\(rerun.out)")
        // A change from AD to BC is a change.
        try admin.execute("UPDATE facts SET first_seen = '0001-01-01 00:00:00+00 BC' WHERE id = 'c'")
        let moved = try f.sync("m")
        #expect(moved.record.changed == 1)
        #expect(try f.traits("c")["first_seen"] == b["first_seen"])
    }
}

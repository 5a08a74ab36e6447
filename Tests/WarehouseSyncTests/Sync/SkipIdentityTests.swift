import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import SyncCore
@testable import WarehouseSync

/// What the skip of unchanged sources must see beyond the tables' counters: the structure of the
/// result's types (a composite's attributes, followed through domains and arrays; an enum's
/// labels), who answers (the role a login becomes), and where the source points.
@Suite struct SkipIdentityTests {
    func syncUntilItRuns(_ f: SyncFixture, _ model: String) throws -> RunRecord {
        try SkipUnchangedTests().syncUntilItRuns(f, model)
    }

    @Test(arguments: [
        ("SELECT id, p FROM t", "ALTER TYPE pair ADD ATTRIBUTE z int", "(1,2,)"),
        ("SELECT id, p FROM t", "ALTER TYPE pair DROP ATTRIBUTE y", "(1)"),
        ("SELECT id, ps FROM t", "ALTER TYPE pair ADD ATTRIBUTE z int", "(1,2,)"),
        ("SELECT id, dp FROM t", "ALTER TYPE pair ADD ATTRIBUTE z int", "(1,2,)"),
        ("SELECT id, p AS r FROM v", "ALTER TYPE pair ADD ATTRIBUTE z int", "(1,2,)"),
    ])
    func aTypeWhoseStructureChangedRunsTheModel(query: String, change: String, expected: String) throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            """
            CREATE TYPE pair AS (x int, y int);
            CREATE DOMAIN pair_d AS pair;
            CREATE TABLE t (id text, p pair, ps pair[], dp pair_d);
            INSERT INTO t VALUES ('a', ROW(1, 2), ARRAY[ROW(1, 2)::pair], ROW(1, 2));
            CREATE VIEW v AS SELECT id, p FROM t;
            """)
        try f.model("m", "-- key: id\n\(query)\n")
        #expect(try f.sync("m").record.status == .succeeded)
        Thread.sleep(forTimeInterval: 1)
        #expect(try f.sync("m").record.status == .skipped, "unchanged, so skipped")
        try f.warehouse(change)
        let run = try syncUntilItRuns(f, "m")
        #expect(run.status == .succeeded, "\(change) changes the result: \(run)")
        let trait = try #require(try f.traits("a").first(where: { $0.key != "id" })?.value)
        #expect(trait.contains(expected), "\(trait)")
    }

    @Test func anEnumsLabelsAndTheirOrderAreSeen() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            "CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE TABLE t (id text, m mood); INSERT INTO t VALUES ('a', 'ok')"
        )
        try f.model("m", "-- key: id\nSELECT id, m, m > 'sad' AS happier FROM t\n")
        #expect(try f.sync("m").record.status == .succeeded)
        Thread.sleep(forTimeInterval: 1)
        #expect(try f.sync("m").record.status == .skipped)
        try f.warehouse("ALTER TYPE mood ADD VALUE 'happy' BEFORE 'sad'")
        #expect(try syncUntilItRuns(f, "m").status == .succeeded)
    }

    @Test func theRoleALoginBecomesRunsTheModel() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        let reader = try TestPostgres.createRole(password: "reader-password-1", in: f.warehouseDatabase)
        let analyst = try TestPostgres.createRole(password: "analyst-password-1", in: f.warehouseDatabase)
        try f.warehouse("GRANT \(analyst) TO \(reader)")
        f.environment["READER_PASSWORD"] = "reader-password-1"
        try f.writeConfig(
            sourceURL: try TestPostgres.tcpURL(database: f.warehouseDatabase, role: reader),
            extraSource: "password = \"${READER_PASSWORD}\"")
        try f.model("m", "-- key: id\nSELECT id, v, current_user::text AS who FROM t\n")
        #expect(try f.sync("m").record.status == .succeeded)
        #expect(try f.traits("a")["who"] == "\"\(reader)\"")
        Thread.sleep(forTimeInterval: 1)
        #expect(try f.sync("m").record.status == .skipped)
        // The same login, config and tables: only the role its sessions become has changed.
        try f.warehouse("ALTER ROLE \(reader) SET role = \(analyst)")
        #expect(try f.sync("m").record.status == .succeeded)
        #expect(try f.traits("a")["who"] == "\"\(analyst)\"")
    }

    @Test func anEditOfTheSourcesConnectionSettingsRunsTheModel() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\nSELECT id, v FROM t\n")
        #expect(try f.sync("m").record.status == .succeeded)
        Thread.sleep(forTimeInterval: 1)
        #expect(try f.sync("m").record.status == .skipped)
        try f.writeConfig(sourceURL: f.warehouseURL + " application_name=elsewhere")
        #expect(try f.sync("m").record.status == .succeeded, "the connection settings changed")
        #expect(try f.sync("m").record.status == .skipped)
    }

    @Test(arguments: [
        ("postgresql://bob:s3cret@db/x", "postgresql://bob@db/x"),
        ("host=db user=bob password=s3cret dbname=x", "host=db user=bob dbname=x"),
        ("host=db password='a b\\'c' dbname=x", "host=db dbname=x"),
        ("postgresql://db/x?user=bob&password=s3cret&sslmode=require", "postgresql://db/x?user=bob&sslmode=require"),
        ("Driver=Snowflake;UID=bob;PWD={s3;cret};Server=x", "Driver=Snowflake;UID=bob;Server=x"),
    ])
    func theConnectionDigestLeavesPasswordsOut(text: String, expected: String) {
        #expect(SourceConfig.withoutPasswords(text) == expected)
    }
}

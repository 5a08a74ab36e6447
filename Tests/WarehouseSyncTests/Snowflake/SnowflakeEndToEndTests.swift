import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The product end to end against snowduck, the Snowflake SQL API emulator the test script starts: the
/// runner reads through `account_url`, and what a PostgreSQL source does works the same. snowduck runs
/// one statement at a time, so the suite is serialized.
@Suite(.serialized, .enabled(if: TestSnowflake.enabled)) struct SnowflakeEndToEndTests {
    @Test func firstSyncUnchangedRerunChangedAndRemovedRows() throws {
        let p = try SnowflakeProject()
        try p.replaceCustomers("('u1', 10.50, 'low'), ('u2', 20, 'high'), ('u3', 5, NULL)")
        try p.model("ltv", "-- key: user_id\n-- max_removed: 100%\nSELECT user_id, ltv, risk FROM customers\n")
        let first = try p.sync("ltv")
        #expect(first.status == .succeeded)
        #expect([first.rowsRead, first.added] as [Int] == [3, 3])
        #expect(try p.store().profile(key: "u1")?.traitsJSON == #"{"ltv":10.5,"risk":"low"}"#)
        #expect(try p.sync("ltv").unchanged == 3)
        try p.warehouse("UPDATE CUSTOMERS SET RISK = 'high' WHERE USER_ID = 'u1'")
        let changed = try p.sync("ltv")
        #expect([changed.changed, changed.unchanged] as [Int] == [1, 2])
        try p.warehouse("DELETE FROM CUSTOMERS WHERE USER_ID = 'u2'")
        let removed = try p.sync("ltv")
        #expect([removed.removed, removed.unchanged] as [Int] == [1, 2])
    }

    @Test func aHundredThousandRowsStreamAcrossPartitions() throws {
        let p = try SnowflakeProject()
        // snowduck cuts results into partitions of 10,000 rows: this result has ten.
        try p.warehouse(
            "CREATE TABLE BIG AS SELECT 'k' || S AS ID, S % 97 AS V FROM "
                + "(SELECT SEQ4() AS S FROM TABLE(GENERATOR(ROWCOUNT => 100000)))")
        try p.model("big", "-- key: id\nSELECT id, v FROM big\n")
        let run = try p.sync("big")
        #expect([run.rowsRead, run.added] as [Int] == [100_000, 100_000])
        #expect(run.bytesReceived > 1_000_000)
        #expect(try p.sync("big").unchanged == 100_000)
    }

    @Test func duplicateKeysFailTheRunAndNullKeysAreInvalidRows() throws {
        try EmulatorScenarios.duplicateAndNullKeys(SnowflakeProject())
    }

    @Test func aDroppedColumnIsDriftAndHoldsTheRun() throws {
        try EmulatorScenarios.droppedColumnHolds(SnowflakeProject())
    }

    @Test func aBadQueryFailsWithSnowflakesErrorAndTheModelsPlace() async throws {
        let p = try SnowflakeProject()
        try await EmulatorScenarios.badQueryIsPlaced(p, said: "Snowflake error 001003")
        // validate --connect compiles the query wrapped to return no rows, and places the error in the file alike.
        let validated = await runCLI(["validate", "--connect"], in: p.directory, environment: p.environment)
        #expect(validated.status == 2)
        #expect(validated.err.contains("error: models/bad.sql:5: the warehouse rejected model bad"), "\(validated.err)")
    }

    /// A key the result lacks fails the run as a missing column, in the model's terms, although the
    /// warehouse only saw a query that orders by it.
    @Test func aKeyTheResultLacksIsAMissingColumn() async throws {
        let p = try SnowflakeProject()
        try p.replaceCustomers("('u1', 1, 'a')")
        try p.model("nokey", "-- key: customer\nSELECT user_id, ltv FROM customers\n")
        let result = await runCLI(["sync", "nokey"], in: p.directory, environment: p.environment)
        #expect(result.status == 1)
        #expect(result.out.contains("the result has no key column customer (models/nokey.sql:2)"), "\(result.out)")
        #expect(try p.store().runs(model: "nokey", limit: 1).first?.errorCode == "run.missing_column")
    }

    /// A model that could be skipped but whose probe cannot judge its sources says why, once, in
    /// validate --connect (the emulator has no EXPLAIN USING TABULAR); a source that cannot be reached
    /// is named as such, not as a model the warehouse rejected.
    @Test func validateConnectSaysWhyAModelIsNeverSkippedAndNamesAnUnreachableSource() async throws {
        let p = try SnowflakeProject()
        try p.replaceCustomers("('u1', 1, 'a')")
        try p.model("ltv", "-- key: user_id\nSELECT user_id, ltv FROM customers\n")
        try p.model(
            "fresh", "-- key: user_id\n-- skip_unchanged: false\nSELECT user_id, ltv AS fresh_ltv FROM customers\n")
        let result = await runCLI(["validate", "--connect"], in: p.directory, environment: p.environment)
        #expect(result.status == 0, "\(result.err)\(result.out)")
        #expect(
            result.err.contains(
                "note: models/ltv.sql:3: model ltv is never skipped when its sources are unchanged: Snowflake refused "
                    + "EXPLAIN USING TABULAR"), "\(result.err)")
        #expect(!result.err.contains("model fresh is never skipped"), "it asked to run every time")
        let config = p.directory.appendingPathComponent("warehouse-sync.toml")
        let closed = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(
            of: try TestSnowflake.url(), with: "http://127.0.0.1:9")
        try closed.write(to: config, atomically: true, encoding: .utf8)
        let unreachable = await runCLI(["validate", "--connect"], in: p.directory, environment: p.environment)
        #expect(unreachable.status == 2)
        #expect(unreachable.err.contains("cannot connect to source sf to compile model"), "\(unreachable.err)")
        #expect(!unreachable.err.contains("rejected"), "\(unreachable.err)")
    }

    /// snowduck has no SYSTEM$LAST_CHANGE_COMMIT_TIME: the probe cannot skip, so every run reads.
    @Test func aWarehouseDiffEqualsAClientSideRunWhereTheProbeCannotSkip() throws {
        let p = try SnowflakeProject()
        try EmulatorScenarios.warehouseDiffEqualsClientSide(p, client: SnowflakeProject()) {
            // The result lived in a table of the scratch schema (each SQL API request is a session of its
            // own); it is gone, and only the run's keys and hashes remain.
            let tables =
                try TestSnowflake.run(
                    "SELECT LOWER(table_name) FROM information_schema.tables WHERE table_schema = 'WS_SCRATCH'",
                    database: p.database
                ).json["data"] as? [[Any]]
            #expect(
                tables?.count == 1 && (tables?.first?.first as? String)?.hasSuffix("_r") == false, "\(tables ?? [])")
        }
    }

    /// Over the SQL API the result is written to the scratch schema first: its absence is said there.
    @Test func aMissingScratchSchemaSaysWhatToDo() async throws {
        let p = try SnowflakeProject()
        try p.replaceCustomers("('u1', 1, 'a')")
        try p.warehouse("DROP SCHEMA WS_SCRATCH")
        try p.model("inside", "-- diff: warehouse\n-- key: user_id\nSELECT user_id, ltv FROM customers\n")
        let result = await runCLI(["sync", "inside"], in: p.directory, environment: p.environment)
        #expect(result.status == 1)
        #expect(
            result.out.contains("HINT: the source's scratch_schema WS_SCRATCH must exist, and the role needs USAGE"),
            "\(result.out)")
        // validate --connect finds it before any run.
        let validated = await runCLI(["validate", "--connect"], in: p.directory, environment: p.environment)
        #expect(validated.status == 2)
        #expect(
            validated.err.contains(
                "models/inside.sql:2: model inside: source sf's scratch_schema WS_SCRATCH does not exist"),
            "\(validated.err)")
    }

    @Test func aCancelledLongQueryEndsTheRunAndCancelsTheStatement() throws {
        let settings = WarehouseSettings(
            api: WarehouseAPISettings(url: try TestSnowflake.url(), token: Secret("t")))
        let warehouse = try WarehouseKind.snowflake.open(settings)
        // Its own text (the alias), so only this test's statement can be found in the history.
        let alias = "N_" + UUID().uuidString.prefix(8).replacingOccurrences(of: "-", with: "")
        // Long enough to be cancelled, short enough that snowduck, which finishes it before it takes the
        // cancel, answers the cancel within its 15 s on a loaded machine.
        let sql = "SELECT COUNT(*) AS \(alias) FROM (SELECT SEQ4() AS S FROM TABLE(GENERATOR(ROWCOUNT => 30000001)))"
        let options = QueryOptions()
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.2)
            options.cancellation.cancel()
        }
        #expect {
            _ = try warehouse.connection.collectAll(sql, options: options)
        } throws: { ($0 as? ConnectorError)?.code == .cancelled }
        // snowduck holds its one request loop while a statement runs, so the cancel reaches it once the
        // statement is done: the same request sent again by its requestId, then cancelled by its handle.
        #expect(try TestSnowflake.history().contains { $0.sql == sql && $0.status == "cancelled" })
    }
}

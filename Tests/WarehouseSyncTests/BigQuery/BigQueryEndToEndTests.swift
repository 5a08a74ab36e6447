import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The product end to end against bqemulator, the BigQuery REST emulator the test script starts: the
/// runner reads through `project`, and what a PostgreSQL source does works the same. bqemulator runs one
/// request at a time, so the suite is serialized. It does not move a table's `lastModifiedTime` after DML
/// (BigQuery does), so data changes between runs are made by recreating the table, which moves it.
@Suite(.serialized, .enabled(if: TestBigQuery.enabled)) struct BigQueryEndToEndTests {
    @Test func firstSyncUnchangedRerunChangedAndRemovedRows() throws {
        let p = try BigQueryProject(defaultDataset: true)
        try p.replaceCustomers("('u1', 10.50, 'low'), ('u2', 20, 'high'), ('u3', 5, NULL)")
        try p.model("ltv", "-- key: user_id\n-- max_removed: 100%\nSELECT user_id, ltv, risk FROM customers\n")
        let first = try p.sync("ltv")
        #expect(first.status == .succeeded)
        #expect([first.rowsRead, first.added] as [Int] == [3, 3])
        let u1 = try p.store().profile(key: "u1")?.traitsJSON
        #expect(u1 == #"{"ltv":10.5,"risk":"low"}"#, "\(u1 ?? "")")
        // tables.get says the table did not change since: the rerun is skipped.
        #expect(try p.sync("ltv").status == .skipped)
        try p.replaceCustomers("('u1', 10.50, 'high'), ('u2', 20, 'high'), ('u3', 5, NULL)")
        let changed = try p.sync("ltv")
        #expect([changed.changed, changed.unchanged] as [Int] == [1, 2])
        try p.replaceCustomers("('u1', 10.50, 'high'), ('u3', 5, NULL)")
        let removed = try p.sync("ltv")
        #expect([removed.removed, removed.unchanged] as [Int] == [1, 2])
        // Rows added to the table (recreated, as bqemulator moves lastModifiedTime only then) are seen.
        try p.replaceCustomers("('u1', 10.50, 'high'), ('u3', 5, NULL), ('u4', 1, 'low')")
        let added = try p.sync("ltv")
        #expect(added.status == .succeeded && added.added == 1)
    }

    @Test func aHundredThousandRowsStreamAcrossPages() throws {
        let p = try BigQueryProject()
        try p.warehouse(
            "CREATE TABLE DS.big AS SELECT CONCAT('k', CAST(x AS STRING)) AS id, MOD(x, 97) AS v "
                + "FROM UNNEST(GENERATE_ARRAY(0, 99999)) AS x")
        try p.model("big", "-- key: id\nSELECT id, v FROM DS.big\n")
        // Pages of 20,000 rows: five of them.
        let run = try p.sync("big")
        #expect([run.rowsRead, run.added] as [Int] == [100_000, 100_000])
        #expect(run.bytesReceived > 1_000_000)
    }

    @Test func duplicateKeysFailTheRunAndNullKeysAreInvalidRows() throws {
        try EmulatorScenarios.duplicateAndNullKeys(BigQueryProject())
    }

    @Test func aDroppedColumnIsDriftAndHoldsTheRun() throws {
        try EmulatorScenarios.droppedColumnHolds(BigQueryProject())
    }

    @Test func aBadQueryFailsWithBigQuerysErrorAndTheModelsPlace() async throws {
        try await EmulatorScenarios.badQueryIsPlaced(BigQueryProject(), said: "BigQuery error invalidQuery")
    }

    @Test func aWarehouseDiffEqualsAClientSideRun() throws {
        try EmulatorScenarios.warehouseDiffEqualsClientSide(BigQueryProject(), client: BigQueryProject())
    }

    /// validate --connect finds a scratch dataset that is not there in the region's SCHEMATA.
    @Test func validateConnectChecksTheScratchDataset() async throws {
        let p = try BigQueryProject()
        try p.replaceCustomers("('u1', 1, 'a')")
        try p.model("inside", "-- diff: warehouse\n-- key: user_id\nSELECT user_id, ltv FROM DS.customers\n")
        let present = await runCLI(["validate", "--connect"], in: p.directory, environment: p.environment)
        #expect(present.status == 0, "\(present.err)")
        let config = p.directory.appendingPathComponent("warehouse-sync.toml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try text.replacingOccurrences(of: "scratch_schema = \"", with: "scratch_schema = \"gone_").write(
            to: config, atomically: true, encoding: .utf8)
        let gone = await runCLI(["validate", "--connect"], in: p.directory, environment: p.environment)
        #expect(gone.status == 2)
        #expect(gone.err.contains("models/inside.sql:2: model inside: source bq's scratch_schema gone_"), "\(gone.err)")
    }

    @Test func theRunRecordsItsJobsLabelsAndCostMeasuresWhereTheEmulatorHasThem() throws {
        let p = try BigQueryProject()
        try p.replaceCustomers("('u1', 1, 'a')")
        try p.model("cost", "-- key: user_id\nSELECT user_id, ltv FROM DS.customers\n")
        let run = try p.sync("cost")
        #expect(run.status == .succeeded)
        // bqemulator's job statistics have no totalBytesBilled or totalSlotMs: no measure is made up.
        #expect(run.cost?["bytes_billed"] == nil && run.cost?["slot_ms"] == nil)
    }
}

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
    /// Recreates `DS.customers (user_id STRING, ltv NUMERIC, risk STRING)` holding `rows`, written as
    /// `('u1', 10.50, 'low'), ('u2', 20, NULL)`.
    static func customers(_ rows: String) -> String {
        let selects = rows.split(separator: "(").map { row in
            let cells = row.split(separator: ")")[0].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let text = { (cell: String) in cell == "NULL" ? "CAST(NULL AS STRING)" : cell }
            return "SELECT \(text(cells[0])) AS user_id, CAST(\(cells[1]) AS NUMERIC) AS ltv, \(text(cells[2])) AS risk"
        }
        return "CREATE OR REPLACE TABLE DS.customers AS " + selects.joined(separator: " UNION ALL ")
    }

    @Test func firstSyncUnchangedRerunChangedAndRemovedRows() throws {
        let p = try BigQueryProject(defaultDataset: true)
        try p.warehouse(Self.customers("('u1', 10.50, 'low'), ('u2', 20, 'high'), ('u3', 5, NULL)"))
        try p.model("ltv", "-- key: user_id\n-- max_removed: 100%\nSELECT user_id, ltv, risk FROM customers\n")
        let first = try p.sync("ltv")
        #expect(first.status == .succeeded)
        #expect([first.rowsRead, first.added] as [Int] == [3, 3])
        let u1 = try p.store().profile(key: "u1")?.traitsJSON
        #expect(u1 == #"{"ltv":10.5,"risk":"low"}"#, "\(u1 ?? "")")
        // tables.get says the table did not change since: the rerun is skipped.
        #expect(try p.sync("ltv").status == .skipped)
        try p.warehouse(Self.customers("('u1', 10.50, 'high'), ('u2', 20, 'high'), ('u3', 5, NULL)"))
        let changed = try p.sync("ltv")
        #expect([changed.changed, changed.unchanged] as [Int] == [1, 2])
        try p.warehouse(Self.customers("('u1', 10.50, 'high'), ('u3', 5, NULL)"))
        let removed = try p.sync("ltv")
        #expect([removed.removed, removed.unchanged] as [Int] == [1, 2])
        // Rows added to the table (recreated, as bqemulator moves lastModifiedTime only then) are seen.
        try p.warehouse(Self.customers("('u1', 10.50, 'high'), ('u3', 5, NULL), ('u4', 1, 'low')"))
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
        let p = try BigQueryProject()
        try p.warehouse(Self.customers("('u1', 1, 'a'), ('u1', 2, 'b'), (NULL, 3, 'c'), ('u2', 4, 'd')"))
        try p.model("dups", "-- key: user_id\nSELECT user_id, ltv FROM DS.customers\n")
        let error = try #require(throws: SyncError.self) { try p.sync("dups") }
        #expect(error.code == .duplicateKeys)
        #expect(error.message.contains("u1 (2 rows)"))
        try p.model("nulls", "-- key: user_id\nSELECT user_id, ltv FROM DS.customers WHERE ltv > 2\n")
        let run = try p.sync("nulls")
        #expect([run.rowsRead, run.invalid, run.added] as [Int] == [2, 1, 1])
    }

    @Test func aDroppedColumnIsDriftAndHoldsTheRun() throws {
        let p = try BigQueryProject()
        try p.warehouse(Self.customers("('u1', 1, 'a')"))
        try p.model("all", "-- key: user_id\nSELECT * FROM DS.customers\n")
        try p.sync("all")
        try p.warehouse("CREATE OR REPLACE TABLE DS.customers AS SELECT user_id, ltv FROM DS.customers")
        let held = try p.sync("all")
        #expect(held.status == .blocked)
        #expect(held.error?.contains("risk") == true)
    }

    @Test func aBadQueryFailsWithBigQuerysErrorAndTheModelsPlace() async throws {
        let p = try BigQueryProject()
        try p.warehouse(Self.customers("('u1', 1, 'a')"))
        try p.model("bad", "-- key: user_id\nSELECT user_id,\n  ltv\nFROM DS.customers WHERE WHERE\n")
        let result = await runCLI(["sync", "bad"], in: p.directory, environment: p.environment)
        #expect(result.status != 0)
        #expect(result.out.contains("bad: models/bad.sql:5:"), "\(result.out)")
        #expect(result.out.contains("BigQuery error invalidQuery"), "\(result.out)")
    }

    @Test func aWarehouseDiffEqualsAClientSideRun() throws {
        let p = try BigQueryProject()
        try p.warehouse(Self.customers("('u1', 1, 'a'), ('u2', 2, 'b'), ('u3', 3, NULL)"))
        let text = "-- key: user_id\n-- max_removed: 100%\nSELECT user_id, ltv, risk FROM \(p.dataset).customers\n"
        try p.model("inside", "-- diff: warehouse\n" + text)
        let client = try BigQueryProject()
        try client.model("outside", text)
        for rows in [
            "", "('u1', 9, 'a'), ('u2', 2, 'b'), ('u3', 3, NULL)", "('u1', 9, 'a'), ('u3', 3, NULL), ('u4', 4, 'd')",
        ] {
            if !rows.isEmpty { try p.warehouse(Self.customers(rows)) }
            let inside = try p.sync("inside")
            let outside = try client.sync("outside")
            #expect(inside.status == .succeeded && outside.status == .succeeded)
            #expect(
                [inside.added, inside.changed, inside.removed] as [Int]
                    == [outside.added, outside.changed, outside.removed])
        }
        for key in ["u1", "u3", "u4"] {
            let inside = try p.store().profile(key: key)?.traitsJSON
            let outside = try client.store().profile(key: key)?.traitsJSON
            #expect(inside != nil && inside == outside)
        }
        let u2 = try p.store().profile(key: "u2")?.traitsJSON
        #expect(u2 == nil || u2 == "{}", "\(u2 ?? "")")
    }

    @Test func theRunRecordsItsJobsLabelsAndCostMeasuresWhereTheEmulatorHasThem() throws {
        let p = try BigQueryProject()
        try p.warehouse(Self.customers("('u1', 1, 'a')"))
        try p.model("cost", "-- key: user_id\nSELECT user_id, ltv FROM DS.customers\n")
        let run = try p.sync("cost")
        #expect(run.status == .succeeded)
        // bqemulator's job statistics have no totalBytesBilled or totalSlotMs: no measure is made up.
        #expect(run.cost?["bytes_billed"] == nil && run.cost?["slot_ms"] == nil)
    }
}

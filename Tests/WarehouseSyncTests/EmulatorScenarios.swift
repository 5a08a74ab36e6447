import Foundation
import Testing

@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// What a PostgreSQL source does, run the same way on each warehouse emulator (`EmulatorProject`):
/// each warehouse's suite calls these with its own project.
enum EmulatorScenarios {
    /// A key twice fails the run and names it; a NULL key is an invalid row of a run that succeeds.
    static func duplicateAndNullKeys(_ p: some EmulatorProject) throws {
        try p.replaceCustomers("('u1', 1, 'a'), ('u1', 2, 'b'), (NULL, 3, 'c'), ('u2', 4, 'd')")
        try p.model("dups", "-- key: user_id\nSELECT user_id, ltv FROM \(p.customersTable)\n")
        let error = try #require(throws: SyncError.self) { try p.sync("dups") }
        #expect(error.code == .duplicateKeys)
        #expect(error.message.contains("u1 (2 rows)"))
        // The failed run is recorded with the rows it read, and nothing written.
        let failed = try #require(try p.store().runs(model: "dups", limit: 1).first)
        #expect(failed.status == .failed && failed.errorCode == "run.duplicate_keys")
        #expect([failed.rowsRead, failed.added, failed.traitsWritten] as [Int] == [4, 0, 0])
        try p.model("nulls", "-- key: user_id\nSELECT user_id, ltv FROM \(p.customersTable) WHERE ltv > 2\n")
        let run = try p.sync("nulls")
        #expect([run.rowsRead, run.invalid, run.added] as [Int] == [2, 1, 1])
    }

    /// A column the previous run synced that is gone holds the run, naming the trait.
    static func droppedColumnHolds(_ p: some EmulatorProject) throws {
        try p.replaceCustomers("('u1', 1, 'a')")
        try p.model("all", "-- key: user_id\nSELECT * FROM \(p.customersTable)\n")
        try p.sync("all")
        try p.dropRiskColumn()
        let held = try p.sync("all")
        #expect(held.status == .blocked)
        #expect(held.error?.contains("risk") == true)
    }

    /// A syntax error fails the run with the warehouse's own words (`said`), placed at the model file's line.
    static func badQueryIsPlaced(_ p: some EmulatorProject, said: String) async throws {
        try p.replaceCustomers("('u1', 1, 'a')")
        try p.model("bad", "-- key: user_id\nSELECT user_id,\n  ltv\nFROM \(p.customersTable) WHERE WHERE\n")
        let result = await runCLI(["sync", "bad"], in: p.directory, environment: p.environment)
        #expect(result.status != 0)
        #expect(result.out.contains("bad: models/bad.sql:5:"), "\(result.out)")
        #expect(result.out.contains(said), "\(result.out)")
    }

    /// `-- diff: warehouse` counts and writes what a client-side run of the same query does, over an
    /// unchanged, a changed and a removed-and-added state; `afterEachRun` checks the scratch schema.
    static func warehouseDiffEqualsClientSide(
        _ p: some EmulatorProject, client: some EmulatorProject, afterEachRun: () throws -> Void = {}
    ) throws {
        try p.replaceCustomers("('u1', 1, 'a'), ('u2', 2, 'b'), ('u3', 3, NULL)")
        let text = "-- key: user_id\n-- max_removed: 100%\nSELECT user_id, ltv, risk FROM \(p.customersTable)\n"
        try p.model("inside", "-- diff: warehouse\n" + text)
        try client.model("outside", text)
        for rows in [
            "", "('u1', 9, 'a'), ('u2', 2, 'b'), ('u3', 3, NULL)", "('u1', 9, 'a'), ('u3', 3, NULL), ('u4', 4, 'd')",
        ] {
            if !rows.isEmpty { try p.replaceCustomers(rows) }
            let inside = try p.sync("inside")
            let outside = try client.sync("outside")
            #expect(inside.status == .succeeded && outside.status == .succeeded)
            #expect(
                [inside.added, inside.changed, inside.removed] as [Int]
                    == [outside.added, outside.changed, outside.removed])
            try afterEachRun()
        }
        for key in ["u1", "u3", "u4"] {
            let inside = try p.store().profile(key: key)?.traitsJSON
            let outside = try client.store().profile(key: key)?.traitsJSON
            #expect(inside != nil && inside == outside)
        }
        let u2 = try p.store().profile(key: "u2")?.traitsJSON
        #expect(u2 == nil || u2 == "{}", "\(u2 ?? "")")
    }
}

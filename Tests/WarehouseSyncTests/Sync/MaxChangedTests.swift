import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import SyncCore
@testable import WarehouseSync

/// `max_changed` (docs/drift-and-plans.md): a run that would change more profiles than the limit is held, with
/// samples; `--force` lets it through; `plan` says the same.
@Suite struct MaxChangedTests {
    @Test(arguments: StoreKind.allCases)
    func aRunChangingMoreProfilesThanTheLimitIsHeldAndForceAppliesIt(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            "CREATE TABLE customers AS SELECT 'u' || g AS user_id, g AS ltv FROM generate_series(1, 10) g")
        try f.model("ltv", "-- key: user_id\n-- max_changed: 20%\nSELECT user_id, ltv FROM customers\n")
        #expect(try f.sync("ltv").record.status == .succeeded, "a first run adds; it changes nothing")
        try f.warehouse("UPDATE customers SET ltv = ltv + 100 WHERE user_id IN ('u1', 'u2', 'u3')")
        let before = try f.allProfiles()

        var plan = SyncOptions()
        plan.dryRun = true
        #expect(try f.sync("ltv", plan).blockedMessage?.contains("would change 3 of 10 profiles") == true)

        let held = try f.sync("ltv")
        #expect(held.record.status == .blocked)
        let message = try #require(held.record.error)
        #expect(message.contains("would change 3 of 10 profiles, more than max_changed 20%"), "\(message)")
        #expect(message.contains("→") && message.contains("--force"))
        #expect(try f.allProfiles() == before, "a held run writes nothing")
        #expect(try f.store().changes(ChangeQuery(run: held.record.id, limit: 10)).isEmpty)

        var force = SyncOptions()
        force.force = true
        let forced = try f.sync("ltv", force).record
        #expect(forced.status == .succeeded && forced.changed == 3)
        #expect(try f.traits("u1")["ltv"] == "101")
    }

    @Test func twoOfTenIsWithinTwentyPercentAndACountWorksToo() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            "CREATE TABLE customers AS SELECT 'u' || g AS user_id, g AS ltv FROM generate_series(1, 10) g")
        try f.model("ltv", "-- key: user_id\n-- max_changed: 20%\nSELECT user_id, ltv FROM customers\n")
        _ = try f.sync("ltv")
        try f.warehouse("UPDATE customers SET ltv = ltv + 1 WHERE user_id IN ('u1', 'u2')")
        #expect(try f.sync("ltv").record.status == .succeeded)
        try f.model("ltv", "-- key: user_id\n-- max_changed: 1\nSELECT user_id, ltv FROM customers\n")
        try f.warehouse("UPDATE customers SET ltv = ltv + 1 WHERE user_id IN ('u1', 'u2')")
        #expect(try f.sync("ltv").record.status == .blocked)
        #expect(throws: ProjectErrors.self) {
            try Model.parse(text: "-- key: k\n-- max_changed: lots\nSELECT 1 AS k\n", file: "m.sql")
        }
    }
}

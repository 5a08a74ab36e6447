import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The behaviour of docs/how-it-works.md against real databases: PostgreSQL as the warehouse, each store.
@Suite struct SyncBehaviourTests {
    static let customers = """
        CREATE TABLE customers (user_id text, ltv numeric(12,2), risk text);
        INSERT INTO customers VALUES ('u1', 10.50, 'low'), ('u2', 20.00, 'high'), ('u3', 30.25, 'low'), ('u4', 1.00,
            'low');
        """
    /// Reruns diff the warehouse every time: these tests are about the diff, not the skip rule.
    static let ltvModel =
        "-- key: user_id\n-- max_removed: 100%\n-- skip_unchanged: false\nSELECT user_id, ltv, risk FROM customers\n"

    func fixture(_ store: StoreKind) throws -> SyncFixture {
        let f = try SyncFixture(store: store)
        try f.warehouse(Self.customers)
        try f.model("ltv", Self.ltvModel)
        return f
    }

    @Test(arguments: StoreKind.allCases)
    func firstRunAddsEveryProfileAndAnUnchangedRerunWritesNothing(store: StoreKind) throws {
        let f = try fixture(store)
        let first = try f.sync("ltv").record
        #expect(first.status == .succeeded)
        #expect(
            [first.rowsRead, first.added, first.changed, first.removed, first.unchanged] as [Int] == [4, 4, 0, 0, 0])
        #expect(first.traitsWritten == 8)
        #expect(try f.traits("u1") == ["ltv": "10.5", "risk": "\"low\""])
        #expect(first.cost?["planner_total_cost"].map { $0 > 0 } == true)
        let second = try f.sync("ltv").record
        #expect(
            [second.added, second.changed, second.removed, second.unchanged, second.traitsWritten] as [Int] == [
                0, 0, 0, 4, 0,
            ])
        #expect(try f.provenanceRuns("u1") == ["ltv": first.id, "risk": first.id])
        #expect(try f.store().runs(model: "ltv", limit: 10).map(\.id) == [second.id, first.id])
    }

    @Test(arguments: StoreKind.allCases)
    func changingOneTraitWritesExactlyThatTrait(store: StoreKind) throws {
        let f = try fixture(store)
        let first = try f.sync("ltv").record
        try f.warehouse("UPDATE customers SET risk = 'high' WHERE user_id = 'u3'")
        let second = try f.sync("ltv").record
        #expect(
            [second.added, second.changed, second.removed, second.unchanged, second.traitsWritten] as [Int] == [
                0, 1, 0, 3, 1,
            ])
        #expect(try f.traits("u3") == ["ltv": "30.25", "risk": "\"high\""])
        #expect(try f.provenanceRuns("u3") == ["ltv": first.id, "risk": second.id])
        #expect(try f.provenanceRuns("u1") == ["ltv": first.id, "risk": first.id])
    }

    @Test(arguments: StoreKind.allCases)
    func aRemovedRowUnsetsOnlyThatModelsTraits(store: StoreKind) throws {
        let f = try fixture(store)
        try f.warehouse(
            "CREATE TABLE tiers (user_id text, tier text); INSERT INTO tiers VALUES ('u1', 'gold'), ('u2', 'silver')")
        try f.model("tier", "-- key: user_id\nSELECT user_id, tier FROM tiers")
        try f.sync("ltv")
        try f.sync("tier")
        try f.warehouse("DELETE FROM customers WHERE user_id = 'u1'")
        let run = try f.sync("ltv").record
        #expect([run.removed, run.unchanged, run.traitsWritten] as [Int] == [1, 3, 2])
        #expect(try f.traits("u1") == ["tier": "\"gold\""])
        // Back again: added as new.
        try f.warehouse("INSERT INTO customers VALUES ('u1', 10.50, 'low')")
        #expect(try f.sync("ltv").record.added == 1)
        #expect(try f.traits("u1") == ["ltv": "10.5", "risk": "\"low\"", "tier": "\"gold\""])
    }

    @Test(arguments: StoreKind.allCases)
    func onRemoveKeepLeavesTheTraits(store: StoreKind) throws {
        let f = try fixture(store)
        try f.model(
            "ltv", "-- key: user_id\n-- on_remove: keep\n-- max_removed: 100%\nSELECT user_id, ltv, risk FROM customers"
        )
        try f.sync("ltv")
        try f.warehouse("DELETE FROM customers WHERE user_id = 'u2'")
        let run = try f.sync("ltv").record
        #expect([run.removed, run.traitsWritten] as [Int] == [1, 0])
        #expect(try f.traits("u2") == ["ltv": "20", "risk": "\"high\""])
    }

    @Test(arguments: StoreKind.allCases)
    func segmentMemberLeavingLosesTheTrait(store: StoreKind) throws {
        let f = try fixture(store)
        try f.model(
            "big_spender",
            "-- key: user_id\n-- kind: segment\n-- max_removed: 100%\nSELECT user_id FROM customers WHERE ltv > 15")
        let first = try f.sync("big_spender").record
        #expect(first.added == 2)
        #expect(try f.traits("u2") == ["big_spender": "true"])
        try f.warehouse("UPDATE customers SET ltv = 5 WHERE user_id = 'u2'")
        let second = try f.sync("big_spender").record
        #expect([second.removed, second.unchanged] as [Int] == [1, 1])
        #expect(try f.traits("u2") == [:])
        #expect(try f.traits("u3") == ["big_spender": "true"])
    }

    @Test(arguments: StoreKind.allCases)
    func nullKeysAreCountedInvalid(store: StoreKind) throws {
        let f = try fixture(store)
        try f.warehouse("INSERT INTO customers VALUES (NULL, 5, 'low'), (NULL, 6, 'high')")
        let run = try f.sync("ltv").record
        #expect([run.rowsRead, run.invalid, run.added] as [Int] == [6, 2, 4])
    }

    @Test(arguments: StoreKind.allCases)
    func duplicateKeysFailNamingThemAndWriteNothing(store: StoreKind) throws {
        let f = try fixture(store)
        try f.sync("ltv")
        try f.warehouse(
            "INSERT INTO customers VALUES ('u2', 99, 'x'), ('u2', 98, 'y'), ('u3', 97, 'z'); UPDATE customers SET risk "
                + "= 'changed' WHERE user_id = 'u1'"
        )
        let error = try #require(throws: SyncError.self) { try f.sync("ltv") }
        #expect(error.code == .duplicateKeys)
        #expect(error.message.contains("2 key values of user_id appear more than once: u2 (3 rows), u3 (2 rows)"))
        #expect(try f.traits("u1") == ["ltv": "10.5", "risk": "\"low\""])
        let failed = try #require(try f.store().runs(model: "ltv", limit: 1).first)
        #expect(failed.status == .failed)
        #expect(failed.error?.contains("u2 (3 rows)") == true)
    }

    /// The warehouse query fails after the snapshot read has begun: the store's half-read
    /// snapshot is closed, the failed run is recorded on the same connection, and the next run
    /// starts from the snapshot as it was.
    @Test(arguments: StoreKind.allCases)
    func aQueryFailingMidRunIsRecordedAndTheNextRunStartsClean(store: StoreKind) throws {
        let f = try fixture(store)
        try f.sync("ltv")
        try f.model(
            "ltv",
            "-- key: user_id\n-- max_removed: 100%\nSELECT user_id, ltv / (CASE WHEN user_id = 'u3' THEN 0 ELSE 1 END) "
                + "AS ltv, risk FROM customers\n"
        )
        let error = try #require(throws: ConnectorError.self) { try f.sync("ltv") }
        #expect(error.message.contains("division by zero"))
        let failed = try #require(try f.store().runs(model: "ltv", limit: 1).first)
        #expect(failed.status == .failed)
        try f.model("ltv", Self.ltvModel)
        let rerun = try f.sync("ltv").record
        #expect([rerun.added, rerun.changed, rerun.removed, rerun.unchanged] as [Int] == [0, 0, 0, 4])
    }

    @Test(arguments: StoreKind.allCases)
    func maxRemovedBlocksAndForceLetsItThrough(store: StoreKind) throws {
        let f = try fixture(store)
        try f.model("ltv", "-- key: user_id\n-- max_removed: 25%\nSELECT user_id, ltv, risk FROM customers")
        try f.sync("ltv")
        try f.warehouse("DELETE FROM customers WHERE user_id IN ('u1', 'u2')")
        let held = try f.sync("ltv")
        #expect(held.record.status == .blocked)
        #expect(held.blockedMessage?.contains("warehouse-sync sync ltv --force") == true)
        #expect(try f.traits("u1").isEmpty == false)
        let forced = try f.sync("ltv", SyncOptions(force: true)).record
        #expect(forced.status == .succeeded)
        #expect(forced.removed == 2)
        #expect(try f.traits("u1") == [:])
    }

    @Test(arguments: StoreKind.allCases)
    func dryRunWritesNothingAndShowsSamples(store: StoreKind) throws {
        let f = try fixture(store)
        try f.sync("ltv")
        try f.warehouse("UPDATE customers SET ltv = 11.75 WHERE user_id = 'u1'")
        let plan = try f.sync("ltv", SyncOptions(dryRun: true))
        #expect(plan.dryRun)
        #expect(plan.record.changed == 1)
        #expect(plan.samples == [SampleChange(key: "u1", trait: "ltv", old: "10.5", new: "11.75")])
        #expect(try f.traits("u1")["ltv"] == "10.5")
        #expect(try f.store().runs(model: "ltv", limit: 10).count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func fullResendsEveryTrait(store: StoreKind) throws {
        let f = try fixture(store)
        try f.sync("ltv")
        let full = try f.sync("ltv", SyncOptions(full: true)).record
        #expect(full.traitsWritten == 8)
        #expect(try f.provenanceRuns("u4") == ["ltv": full.id, "risk": full.id])
    }

    @Test(arguments: StoreKind.allCases)
    func exactNumericsSurviveIntoProfiles(store: StoreKind) throws {
        let f = try fixture(store)
        try f.warehouse(
            "CREATE TABLE exact (id int, amount numeric(38,10)); INSERT INTO exact VALUES (1, "
                + "1234567890123456789012345678.1234567891)"
        )
        try f.model("exact", "-- key: id\nSELECT id, amount FROM exact")
        try f.sync("exact")
        #expect(try f.traits("1") == ["amount": "1234567890123456789012345678.1234567891"])
        // Read twice from unchanged data: equal, so nothing is written.
        #expect(try f.sync("exact").record.traitsWritten == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func addingATraitToAModelWritesItAndDroppingOneUnsetsIt(store: StoreKind) throws {
        let f = try fixture(store)
        try f.model("ltv", "-- key: user_id\nSELECT user_id, ltv FROM customers")
        try f.sync("ltv")
        try f.model("ltv", "-- key: user_id\nSELECT user_id, risk FROM customers")
        // Dropping ltv is schema drift (docs/drift-and-plans.md): held until the model says it evolves.
        #expect(try f.sync("ltv").record.status == .blocked)
        #expect(try f.traits("u2")["ltv"] != nil)
        try f.model("ltv", "-- key: user_id\n-- schema: evolve\nSELECT user_id, risk FROM customers")
        let run = try f.sync("ltv").record
        #expect(run.changed == 4)
        #expect(try f.traits("u2") == ["risk": "\"high\""])
    }

    @Test(arguments: StoreKind.allCases)
    func profileTraitsViewShowsEachTraitsSource(store: StoreKind) throws {
        let f = try fixture(store)
        let run = try f.sync("ltv").record
        let rows: [[String?]]
        switch store {
        case .sqlite:
            let db = try SQLiteDatabase(path: String(f.storeURL.dropFirst("sqlite:".count)))
            let statement = try db.prepare(
                "SELECT trait, value, model, run FROM profile_traits WHERE key = 'u1' ORDER BY trait")
            var found: [[String?]] = []
            while try statement.step() { found.append((0..<4).map { statement.text($0) }) }
            rows = found
        case .postgres:
            let result = try PGConnection(conninfo: f.storeURL).execute(
                "SELECT trait, value::text, model, run FROM warehouse_sync.profile_traits WHERE key = 'u1' ORDER BY "
                    + "trait"
            )
            rows = (0..<result.rowCount).map { r in (0..<4).map { result.text(r, $0) } }
        }
        #expect(rows == [["ltv", "10.5", "ltv", run.id], ["risk", "\"low\"", "ltv", run.id]])
    }

    /// The wire hash reads adjacent trait columns as one slice of the COPY line and others one by
    /// one: both must give the bytes, so moving the key column changes no stored hash.
    @Test func theWireHashDoesNotDependOnWhereTheKeyColumnIs() throws {
        let f = try fixture(.sqlite)
        func hashes() throws -> [String] {
            let db = try SQLiteDatabase(path: String(f.storeURL.dropFirst("sqlite:".count)))
            let statement = try db.prepare("SELECT key || ':' || hash FROM ws_snapshots ORDER BY key")
            var result: [String] = []
            while try statement.step() { result.append(statement.text(0)!) }
            return result
        }
        try f.sync("ltv")
        let keyFirst = try hashes()
        try f.model("ltv", "-- key: user_id\n-- max_removed: 100%\nSELECT ltv, user_id, risk FROM customers\n")
        let rerun = try f.sync("ltv").record
        #expect([rerun.changed, rerun.unchanged, rerun.traitsWritten] as [Int] == [0, 4, 0])
        #expect(keyFirst.count == 4)
        #expect(try hashes() == keyFirst)
    }
}

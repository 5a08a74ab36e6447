import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// docs/operations.md on both stores: the change log is written in the run's transaction, and `revert` puts
/// a run's changes back as a run of its own.
@Suite struct ChangeLogTests {
    static let customers = """
        CREATE TABLE customers (user_id text, ltv numeric(12,2), risk text);
        INSERT INTO customers VALUES ('u1', 10.50, 'low'), ('u2', 20.00, 'high'), ('u3', 30.25, 'low');
        """

    func fixture(_ store: StoreKind, retention: String? = nil) throws -> SyncFixture {
        let f = try SyncFixture(store: store)
        if let retention {
            let config = f.directory.appendingPathComponent("warehouse-sync.toml")
            let text = try String(contentsOf: config, encoding: .utf8)
            try text.replacingOccurrences(of: "[store]\n", with: "[store]\nchange_retention = \"\(retention)\"\n")
                .write(to: config, atomically: true, encoding: .utf8)
        }
        try f.warehouse(Self.customers)
        try f.model("ltv", "-- key: user_id\n-- max_removed: 50%\nSELECT user_id, ltv, risk FROM customers\n")
        return f
    }

    func log(_ f: SyncFixture, run: String) throws -> [String] {
        try f.store().changes(ChangeQuery(run: run, limit: 1000)).map {
            "\($0.key).\($0.trait): \($0.old ?? "-") -> \($0.new ?? "-")"
        }.sorted()
    }

    @Test(arguments: StoreKind.allCases)
    func eachRunLogsWhatItChangedWithOldAndNewValues(store: StoreKind) throws {
        let f = try fixture(store)
        let first = try f.sync("ltv").record
        #expect(try log(f, run: first.id).count == 6)
        #expect(try log(f, run: first.id).contains("u1.ltv: - -> 10.5"))
        try f.warehouse(
            "UPDATE customers SET risk = 'high' WHERE user_id = 'u1'; DELETE FROM customers WHERE user_id = 'u3'; "
                + "INSERT INTO customers VALUES ('u4', NULL, 'low')")
        let second = try f.sync("ltv").record
        #expect(
            try log(f, run: second.id) == [
                "u1.risk: \"low\" -> \"high\"", "u3.ltv: 30.25 -> -", "u3.risk: \"low\" -> -", "u4.ltv: - -> null",
                "u4.risk: - -> \"low\"",
            ])
        let all = try f.store().changes(ChangeQuery(limit: 1000))
        #expect(all.first?.run == second.id, "newest run first")
        #expect(all.allSatisfy { $0.model == "ltv" && !$0.at.isEmpty })
        #expect(
            try f.store().changes(ChangeQuery(key: "u1", limit: 1000)).map(\.trait).sorted() == ["ltv", "risk", "risk"])
        #expect(try f.store().changes(ChangeQuery(model: "other", limit: 10)).isEmpty)
        #expect(try f.store().changes(ChangeQuery(limit: 2)).count == 2)
        // A full rerun writes every trait again, but none changed: the log has nothing for it.
        var full = SyncOptions()
        full.full = true
        let third = try f.sync("ltv", full).record
        #expect(third.traitsWritten > 0)
        #expect(try log(f, run: third.id).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func aHeldOrFailedRunLogsNothing(store: StoreKind) throws {
        let f = try fixture(store)
        _ = try f.sync("ltv")
        let before = try f.store().changes(ChangeQuery(limit: 1000)).count
        try f.warehouse("DELETE FROM customers WHERE user_id IN ('u1', 'u2')")
        #expect(try f.sync("ltv").record.status == .blocked)
        try f.model("ltv", "-- key: user_id\nSELECT user_id, ltv, risk FROM no_such_table\n")
        #expect(throws: (any Error).self) { try f.sync("ltv") }
        #expect(try f.store().runs(model: "ltv", limit: 1).first?.status == .failed)
        #expect(try f.store().changes(ChangeQuery(limit: 1000)).count == before)
    }

    @Test(arguments: StoreKind.allCases)
    func revertPutsTheProfilesBackAndTheNextSyncReappliesTheWarehouse(store: StoreKind) throws {
        let f = try fixture(store)
        let first = try f.sync("ltv").record
        let original = try f.allProfiles()
        try f.warehouse(
            "UPDATE customers SET ltv = 99 WHERE user_id = 'u1'; DELETE FROM customers WHERE user_id = 'u3'; "
                + "INSERT INTO customers VALUES ('u4', 4, 'low')")
        let bad = try f.sync("ltv").record
        let after = try f.allProfiles()
        let reverter = RevertRunner(project: try f.project())

        let preview = try reverter.revert(bad.id, force: false, dryRun: true)
        #expect(preview.record == nil && preview.entries.count == 5 && preview.conflicts.isEmpty)
        #expect(try f.allProfiles() == after, "a dry run writes nothing")

        let outcome = try reverter.revert(bad.id, force: false, dryRun: false)
        let revert = try #require(outcome.record)
        #expect(revert.trigger == .revert && revert.status == .succeeded && revert.model == "ltv")
        var expected = original
        expected["u4"] = nil
        #expect(try f.allProfiles().filter { !$0.value.isEmpty } == expected)
        #expect(try f.provenanceRuns("u1") == ["ltv": revert.id, "risk": first.id])
        #expect(try f.store().runs(model: "ltv", limit: 1).first?.id == revert.id)
        #expect(try log(f, run: revert.id).contains("u1.ltv: 99 -> 10.5"))

        // The warehouse still says what the reverted run wrote: the next sync writes it again.
        let next = try f.sync("ltv").record
        // u4, which the reverted run added, is back in the snapshot with no values: changed, not added.
        #expect([next.added, next.changed, next.removed] as [Int] == [0, 2, 1])
        #expect(try f.allProfiles() == after)
        #expect(try f.sync("ltv").record.traitsWritten == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func aTraitALaterRunChangedIsRefusedWithoutForce(store: StoreKind) async throws {
        let f = try fixture(store)
        _ = try f.sync("ltv")
        try f.warehouse(
            "UPDATE customers SET ltv = 11 WHERE user_id = 'u1'; UPDATE customers SET ltv = 21 WHERE user_id = 'u2'")
        let earlier = try f.sync("ltv").record
        try f.warehouse("UPDATE customers SET ltv = 12 WHERE user_id = 'u1'")
        let later = try f.sync("ltv").record
        let before = try f.allProfiles()
        let reverter = RevertRunner(project: try f.project())

        let refused = try reverter.revert(earlier.id, force: false, dryRun: false)
        #expect(refused.record == nil)
        #expect(refused.conflicts == [RevertConflict(key: "u1", trait: "ltv", laterRun: later.id)])
        #expect(try f.allProfiles() == before, "a refused revert writes nothing")
        #expect(try f.store().runs(model: "ltv", limit: 1).first?.id == later.id)

        let status = await runCLI(["revert", earlier.id], in: f.directory)
        #expect(status.status == 1)
        #expect(status.err.contains("changed again by later runs"))
        #expect(status.out.contains("u1") && status.out.contains(later.id))

        let forced = try reverter.revert(earlier.id, force: true, dryRun: false)
        #expect(forced.record != nil)
        #expect(try f.traits("u1")["ltv"] == "10.5")
        #expect(try f.traits("u2")["ltv"] == "20")
    }

    @Test(arguments: StoreKind.allCases)
    func anUnknownRunOrAPrunedLogIsRefused(store: StoreKind) async throws {
        let f = try fixture(store)
        let first = try f.sync("ltv").record
        let reverter = RevertRunner(project: try f.project())
        let unknown = #expect(throws: SyncError.self) { try reverter.revert("nope", force: false, dryRun: false) }
        #expect(unknown?.code == .revertRefused)
        #expect(unknown?.remedy == .listRuns(model: nil), "the runner names the command as data")
        #expect(unknown?.hint?.contains("warehouse-sync") == false)
        let cli = await runCLI(["revert", "nope"], in: f.directory)
        #expect(cli.status == 1)
        #expect(cli.err.contains("\n  run: warehouse-sync runs\n"), "the CLI spells it: \(cli.err)")
        // Three added profiles: one row each in the log's table of added profiles.
        #expect(try f.store().pruneChanges(before: Date().addingTimeInterval(60)) == 3)
        #expect(try f.store().changes(ChangeQuery(limit: 100)).isEmpty)
        let pruned = #expect(throws: SyncError.self) { try reverter.revert(first.id, force: false, dryRun: false) }
        #expect(pruned?.description.contains("change_retention") == true)
    }

    @Test(arguments: StoreKind.allCases)
    func aRetentionOfZeroKeepsNothing(store: StoreKind) throws {
        let f = try fixture(store, retention: "0")
        _ = try f.sync("ltv")
        try f.warehouse("UPDATE customers SET ltv = 1 WHERE user_id = 'u1'")
        _ = try f.sync("ltv")
        #expect(try f.store().changes(ChangeQuery(limit: 10)).isEmpty)
    }

    @Test func changesJSONHasTheDocumentedShape() async throws {
        let f = try fixture(.sqlite)
        let run = try f.sync("ltv").record
        let result = await runCLI(["changes", "--key", "u1", "--json"], in: f.directory)
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        let changes = try #require(object?["changes"] as? [[String: Any]])
        #expect(changes.count == 2)
        #expect(Set(changes[0].keys) == ["run", "model", "key", "trait", "old", "new", "at"])
        #expect(changes.first { $0["trait"] as? String == "ltv" }?["new"] as? Double == 10.5)
        #expect(changes.allSatisfy { $0["run"] as? String == run.id && $0["old"] is NSNull })
        let bad = await runCLI(["changes", "--since", "yesterday"], in: f.directory)
        #expect(bad.status == 2 && bad.err.contains("--since"))
        let since = await runCLI(["changes", "--since", "2999-01-01", "--json"], in: f.directory)
        #expect(since.out.contains("\"changes\":[]"))
    }
}

/// What `status` reads of leases: a model's first run shows as running; a lease left by a dead
/// process of this host does not.
@Suite struct LeaseVisibilityTests {
    @Test(arguments: StoreKind.allCases)
    func aLeaseWithoutAModelRowIsVisible(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        let s = try f.store()
        #expect(try s.acquireLease(model: "first", holder: "h:1:r", ttl: .seconds(60), now: Date()))
        let state = try #require(try s.modelStates().first { $0.model == "first" })
        #expect(state.leaseHolder == "h:1:r" && state.snapshotRows == 0 && state.lastRunID == nil)
    }

    @Test func statusDoesNotShowADeadProcessesLeaseAsRunning() async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.model("m", "-- key: id\nSELECT 'a' AS id, 1 AS v\n")
        let host = ProcessInfo.processInfo.hostName
        #expect(try f.store().acquireLease(model: "m", holder: "\(host):999999:r", ttl: .seconds(600), now: Date()))
        let result = await runCLI(["status", "--json"], in: f.directory)
        #expect(result.out.contains("\"running\" : false"), "\(result.out)")
        #expect(TimeZone(identifier: "UTC")?.displayName == "UTC")
    }

    /// An added profile's traits are kept as one row; the `changes` view and `changes` show them
    /// as a row per trait, each value the exact text the profile holds (escapes, long decimals,
    /// objects, booleans), on both stores.
    @Test(arguments: StoreKind.allCases)
    func anAddedProfileIsOneRowShownAsARowPerTrait(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            """
            CREATE TABLE odd (id text, d numeric(40,20), s text, j jsonb, b boolean, n int, w json);
            INSERT INTO odd VALUES ('k1', 12345678901234567890.12345678901234567890, 'café "q" \\ \n é',
                '{"x": [1, 2.50]}', true, NULL, '{"a":  1, "b": [1,2, {"c": null}]}');
            INSERT INTO odd VALUES ('k2', 0.1, '', '[]', false, 7, '[ ]');
            """)
        try f.model("odd", "-- key: id\nSELECT id, d, s, j, b, n, w FROM odd\n")
        let run = try f.sync("odd").record
        let logged = try f.store().changes(ChangeQuery(run: run.id, limit: 100))
        // JSON values are the source's canonical text, which a profile may re-render (PostgreSQL's jsonb,
        // SQLite's JSON functions): those are checked against the source's text below.
        let json: [String: String] = [
            "k1.j": "{\"x\": [1, 2.50]}", "k2.j": "[]", "k1.w": "{\"a\":  1, \"b\": [1,2, {\"c\": null}]}",
            "k2.w": "[ ]",
        ]
        var expected: [String] = []
        for (key, traits) in try f.allProfiles().sorted(by: { $0.key < $1.key }) {
            for (trait, value) in traits.sorted(by: { $0.key < $1.key }) {
                expected.append("\(key).\(trait) = \(json["\(key).\(trait)"] ?? value)")
            }
        }
        #expect(logged.map { "\($0.key).\($0.trait) = \($0.new ?? "-")" } == expected)
        #expect(logged.allSatisfy { $0.old == nil && $0.run == run.id && $0.model == "odd" })
        #expect(expected.count == 12 && expected.contains("k1.n = null"), "a NULL is the value null: \(expected)")
        // Plain SQL on the documented view sees the same rows.
        let viewRows = try f.storeRows(
            "SELECT key || '.' || trait || ' = ' || new FROM \(f.storeDialect.table(.changes)) "
                + "WHERE run = '\(run.id)' ORDER BY key, trait")
        #expect(viewRows == expected)
        // A later change to an added profile is a row per trait, with its old value.
        try f.warehouse("UPDATE odd SET s = 'x' WHERE id = 'k2'")
        let second = try f.sync("odd", SyncOptions(full: true)).record
        #expect(
            try f.store().changes(ChangeQuery(run: second.id, limit: 100)).map {
                "\($0.old ?? "-") -> \($0.new ?? "-")"
            } == ["\"\" -> \"x\""])
        // Reverting the first sync unsets every trait it added.
        let reverter = RevertRunner(project: try f.project())
        _ = try reverter.revert(run.id, force: true, dryRun: false)
        #expect(try f.allProfiles().isEmpty)
    }
}

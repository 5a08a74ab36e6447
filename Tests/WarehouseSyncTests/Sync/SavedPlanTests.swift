import Foundation
import TestSupport
import Testing

@testable import SyncCore
@testable import WarehouseSync

/// Saved plans (docs/drift-and-plans.md), through the CLI: `plan --out` saves what a sync would do, and
/// `sync --plan` applies it only when the model file, the snapshot's run and the change set are
/// as they were; otherwise it exits 1 naming what moved and writes nothing, not even a run.
@Suite struct SavedPlanTests {
    func fixture(_ store: StoreKind) throws -> SyncFixture {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            "CREATE TABLE customers AS SELECT 'u' || g AS user_id, g AS ltv FROM generate_series(1, 150) g")
        try f.model("ltv", "-- key: user_id\nSELECT user_id, ltv FROM customers\n")
        #expect(try f.sync("ltv").record.status == .succeeded)
        try f.warehouse("UPDATE customers SET ltv = ltv + 1000 WHERE ltv <= 120")
        return f
    }

    func plan(_ f: SyncFixture, _ name: String = "plan.json") async throws -> SavedPlan {
        let result = await runCLI(["plan", "ltv", "--out", name], in: f.directory)
        #expect(result.status == 0, "\(result.out)\(result.err)")
        let data = try Data(contentsOf: f.directory.appendingPathComponent(name))
        return try JSONDecoder().decode(SavedPlan.self, from: data)
    }

    func runCount(_ f: SyncFixture) throws -> Int { try f.store().runs(model: "ltv", limit: 100).count }

    @Test(arguments: StoreKind.allCases)
    func aPlanAppliesWhenNothingMoved(store: StoreKind) async throws {
        let f = try fixture(store)
        let first = try #require(try f.store().runs(model: "ltv", limit: 1).first)
        let saved = try await plan(f)
        #expect(saved.model == "ltv" && saved.file == "models/ltv.sql" && saved.fileDigest.count == 32)
        #expect(saved.snapshotRun == first.id)
        #expect(saved.counts.changed == 120 && saved.counts.added == 0)
        #expect(saved.samples.count == 100, "a saved plan keeps up to 100 samples")
        #expect(saved.changeSetDigest.count == 32 && saved.held == nil && saved.drift.isEmpty)
        #expect(try f.traits("u1")["ltv"] == "1", "a plan writes nothing")
        let text = try String(contentsOf: f.directory.appendingPathComponent("plan.json"), encoding: .utf8)
        #expect(text.contains("\"held\" : null"), "every key is written, null when empty")

        let applied = await runCLI(["sync", "ltv", "--plan", "plan.json", "--json"], in: f.directory)
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(try f.traits("u1")["ltv"] == "1001")
        #expect(try f.store().runs(model: "ltv", limit: 1).first?.changed == 120)
    }

    @Test(arguments: StoreKind.allCases)
    func aPlanDoesNotApplyAfterOneMoreRowChanged(store: StoreKind) async throws {
        let f = try fixture(store)
        _ = try await plan(f)
        try f.warehouse("UPDATE customers SET ltv = 7 WHERE user_id = 'u150'")
        let before = try f.allProfiles()
        let runs = try runCount(f)
        let result = await runCLI(["sync", "ltv", "--plan", "plan.json"], in: f.directory)
        #expect(result.status == 1)
        let output = result.out + result.err
        #expect(output.contains("the change set differs") && output.contains("121 changed"), "\(output)")
        #expect(!output.contains("model file") && !output.contains("snapshot moved"), "\(output)")
        #expect(try f.allProfiles() == before, "nothing was written")
        #expect(try runCount(f) == runs, "not even a run record")
    }

    @Test func aPlanDoesNotApplyAfterTheModelFileOrTheSnapshotMoved() async throws {
        let f = try fixture(.sqlite)
        _ = try await plan(f)
        try f.model("ltv", "-- key: user_id\n-- Reviewed by nobody yet.\nSELECT user_id, ltv FROM customers\n")
        let edited = await runCLI(["sync", "ltv", "--plan", "plan.json"], in: f.directory)
        #expect(edited.status == 1)
        #expect((edited.out + edited.err).contains("the model file models/ltv.sql changed"), "\(edited.out)")
        #expect(!(edited.out + edited.err).contains("change set"), "a moved file is found before the query runs")

        try f.model("ltv", "-- key: user_id\nSELECT user_id, ltv FROM customers\n")
        _ = try await plan(f)
        #expect(try f.sync("ltv").record.status == .succeeded, "another run moves the snapshot")
        let before = try f.allProfiles()
        let moved = await runCLI(["sync", "ltv", "--plan", "plan.json"], in: f.directory)
        #expect(moved.status == 1)
        #expect((moved.out + moved.err).contains("the snapshot moved from run"), "\(moved.out)")
        #expect(try f.allProfiles() == before)
    }

    /// The figures a reviewer reads in a plan are binding: a plan whose counts, samples, drift or
    /// hold were edited (its change set's digest kept) is refused and nothing is written.
    @Test(arguments: ["counts", "samples", "drift", "held"])
    func aPlanWhoseFiguresWereEditedDoesNotApply(field: String) async throws {
        let f = try fixture(.sqlite)
        var saved = try await plan(f)
        switch field {
        case "counts": saved.counts.changed = 12
        case "samples": saved.samples[0].new = "1"
        case "drift": saved.drift = ["ltv: integer → text"]
        default: saved.held = "max_changed 5 exceeded"
        }
        try saved.json.write(to: f.directory.appendingPathComponent("edited.json"), atomically: true, encoding: .utf8)
        let before = try f.allProfiles()
        let runs = try runCount(f)
        let result = await runCLI(["sync", "ltv", "--plan", "edited.json"], in: f.directory)
        #expect(result.status == 1, "\(result.out)\(result.err)")
        let output = result.out + result.err
        let expected = [
            "counts": "the plan's counts (0 added, 12 changed", "samples": "the plan's sample changes are not",
            "drift": "the plan's schema drift is not", "held": "the plan says the sync would be held",
        ]
        #expect(output.contains(expected[field]!), "\(output)")
        #expect(!output.contains("the change set differs"), "\(output)")
        #expect(try f.allProfiles() == before, "nothing was written")
        #expect(try runCount(f) == runs)
        // The plan as saved still applies.
        #expect(await runCLI(["sync", "ltv", "--plan", "plan.json"], in: f.directory).status == 0)
    }

    /// A plan that says the sync would be held applies with `--force`, as its hint says; the same
    /// plan edited to say it would not be held does not.
    @Test func aHeldPlanAppliesWithForceAndAnEditedHoldDoesNot() async throws {
        let f = try fixture(.sqlite)
        try f.model("ltv", "-- key: user_id\n-- max_changed: 10\nSELECT user_id, ltv FROM customers\n")
        let saved = try await plan(f)
        #expect(saved.held?.contains("max_changed 10") == true, "\(String(describing: saved.held))")
        var edited = saved
        edited.held = nil
        try edited.json.write(to: f.directory.appendingPathComponent("edited.json"), atomically: true, encoding: .utf8)
        let refused = await runCLI(["sync", "ltv", "--plan", "edited.json", "--force"], in: f.directory)
        #expect(refused.status == 1 && (refused.out + refused.err).contains("the plan says the sync would not be held"))
        #expect(try f.traits("u1")["ltv"] == "1")
        let applied = await runCLI(["sync", "ltv", "--plan", "plan.json", "--force"], in: f.directory)
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(try f.traits("u1")["ltv"] == "1001")
    }

    /// The plan file must be as `plan --out` wrote it: a key given twice (readers show the last, a
    /// decoder takes the first), an added field or another edit is refused before anything runs.
    @Test(arguments: [
        (
            "\n}",
            ",\n  \"counts\" : {\"added\" : 0, \"changed\" : 1, \"invalid\" : 0, \"removed\" : 0, "
                + "\"rows_read\" : 1, \"traits_written\" : 1, \"unchanged\" : 0}\n}"
        ),
        ("\n}", ",\n  \"held\" : \"fake\"\n}"),
        ("\n}", ",\n  \"approved_by\" : \"someone\"\n}"),
        ("\"file\" : \"models/ltv.sql\"", "\"file\" : \"models/other.sql\""),
    ])
    func aPlanFileThatIsNotAsWrittenIsRefused(from: String, to: String) async throws {
        let f = try fixture(.sqlite)
        _ = try await plan(f)
        let text = try String(contentsOf: f.directory.appendingPathComponent("plan.json"), encoding: .utf8)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let range = try #require(trimmed.range(of: from, options: from == "\n}" ? .backwards : []))
        try (trimmed.replacingCharacters(in: range, with: to) + "\n").write(
            to: f.directory.appendingPathComponent("edited.json"), atomically: true, encoding: .utf8)
        let result = await runCLI(["sync", "ltv", "--plan", "edited.json"], in: f.directory)
        #expect(result.status != 0)
        let said = result.out + result.err
        #expect(
            said.contains("is not as warehouse-sync plan --out wrote it")
                || said.contains("the plan names the model file models/other.sql"), "\(said)")
        #expect(try f.traits("u1")["ltv"] == "1", "nothing was written")
    }

    @Test func aFileThatIsNoPlanOfThisModelIsAUsageError() async throws {
        let f = try fixture(.sqlite)
        try "{\"format\": 1}".write(
            to: f.directory.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        let bad = await runCLI(["sync", "ltv", "--plan", "bad.json"], in: f.directory)
        #expect(bad.status == 2 && bad.err.contains("bad.json is not a saved plan: it has no model"), "\(bad.err)")
        try FileManager.default.createDirectory(
            at: f.directory.appendingPathComponent("dir.json"), withIntermediateDirectories: true)
        let directory = await runCLI(["sync", "ltv", "--plan", "dir.json"], in: f.directory)
        #expect(directory.status == 2 && directory.err.contains("dir.json is a directory"), "\(directory.err)")
        let missing = await runCLI(["sync", "ltv", "--plan", "nowhere.json"], in: f.directory)
        #expect(missing.status == 2 && missing.err.contains("does not exist"), "\(missing.err)")
        var other = try await plan(f)
        other.model = "churn"
        try other.json.write(to: f.directory.appendingPathComponent("other.json"), atomically: true, encoding: .utf8)
        let wrong = await runCLI(["sync", "ltv", "--plan", "other.json"], in: f.directory)
        #expect(wrong.status == 2 && wrong.err.contains("a plan of model churn, not ltv"), "\(wrong.err)")
        #expect(
            wrong.err.contains("\n  run: warehouse-sync sync churn --plan "), "the CLI spells the remedy: \(wrong.err)")
        let two = await runCLI(["sync", "--all", "--plan", "plan.json"], in: f.directory)
        #expect(two.status == 2)
    }
}

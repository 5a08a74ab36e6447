import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// Runs the command line in-process with captured output.
func runCLI(_ args: [String], in directory: URL, environment: [String: String] = [:]) async -> (
    status: Int32, out: String, err: String
) {
    let captured = CapturedConsole()
    let status = await CLI.run(
        CLIContext(
            arguments: args, environment: environment, currentDirectory: directory,
            console: captured.console, now: { Date(timeIntervalSince1970: 1_800_000_000) }))
    return (status, captured.stdout, captured.stderr)
}

/// The repository's own project directory (warehouse-sync.toml and models/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

@Suite struct CLITests {
    @Test func validatePassesOnTheRepositorysModels() async {
        let result = await runCLI(["validate"], in: repositoryRoot)
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out == "ok: 3 models (3 enabled), 1 source\n")
    }

    @Test func validateReportsEveryErrorOfABrokenCopyWithFileAndLine() async throws {
        let broken = try temporaryProject([
            "warehouse-sync.toml": try String(
                contentsOf: repositoryRoot.appendingPathComponent("warehouse-sync.toml"), encoding: .utf8)
                + "\n[sources.extra]\nkind = \"sqlite\"\npth = \"x.db\"\n",
            "models/lifetime_value.sql": try String(
                contentsOf: repositoryRoot.appendingPathComponent("models/lifetime_value.sql"), encoding: .utf8
            )
            .replacingOccurrences(of: "-- schedule: hourly", with: "-- schedule: hourly at 15"),
            "models/high_value.sql": try String(
                contentsOf: repositoryRoot.appendingPathComponent("models/high_value.sql"), encoding: .utf8
            )
            .replacingOccurrences(of: "-- kind: segment", with: "-- kind: segmnet"),
            "models/dup.sql": "-- key: user_id\n-- source: demo\n-- traits: ltv\nSELECT user_id, 1 AS ltv FROM orders",
            "models/dup_too.sql": "-- key: user_id\n-- traits: ltv\nSELECT user_id, 2 AS ltv FROM orders",
        ])
        let result = await runCLI(["validate"], in: broken)
        #expect(result.status == 2)
        let lines = result.err.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(
            lines.sorted()
                == [
                    "error: models/dup_too.sql:2: trait ltv is also written by model dup (models/dup.sql:3)",
                    "error: models/high_value.sql:5: invalid kind \"segmnet\"",
                    "error: models/lifetime_value.sql:4: invalid schedule \"hourly at 15\"",
                    "error: warehouse-sync.toml:17: source extra (sqlite) needs path",
                    "error: warehouse-sync.toml:19: unknown key pth in [sources.extra]",
                ].sorted())
        #expect(result.err.hasSuffix("5 problems found\n"))
    }

    @Test func usageErrorsExitTwo() async {
        #expect(await runCLI(["frobnicate"], in: repositoryRoot).status == 2)
        #expect(await runCLI(["sync"], in: repositoryRoot).status == 2)
        #expect(await runCLI(["sync", "--al"], in: repositoryRoot).err.contains("unknown option --al for sync"))
        #expect(
            await runCLI(["sync", "no_such_model"], in: repositoryRoot).err.contains("unknown model no_such_model"))
        #expect(await runCLI(["schedule", "every fortnight"], in: repositoryRoot).status == 2)
        #expect(await runCLI(["runs", "--limit", "zero"], in: repositoryRoot).status == 2)
        let help = await runCLI(["sync", "--help"], in: repositoryRoot)
        #expect(help.status == 0)
        #expect(help.out.hasPrefix("usage: warehouse-sync [--project DIR] sync MODEL..."))
    }

    @Test func scheduleCommandPrintsUTCInstants() async {
        let result = await runCLI(
            [
                "schedule", "weekly on monday at 06:00", "--tz", "America/New_York", "--after", "2024-11-01T00:00:00Z",
                "--count", "2",
            ], in: repositoryRoot)
        #expect(result.out == "2024-11-04T11:00:00Z\n2024-11-11T11:00:00Z\n")
    }

    @Test func syncJSONHasOneDocumentWithEveryRun() async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1), ('b', 2)")
        try f.model("m", "-- key: id\nSELECT id, v FROM t")
        let result = await runCLI(["sync", "--all", "--json"], in: f.directory)
        #expect(result.status == 0, "\(result.err)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let runs = try #require(document["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        #expect(runs[0]["model"] as? String == "m")
        #expect(runs[0]["status"] as? String == "succeeded")
        #expect(runs[0]["added"] as? Int == 2)
        #expect(runs[0]["traits_written"] as? Int == 2)
        #expect(
            Set(runs[0].keys).isSuperset(of: [
                "run", "rows_read", "invalid", "changed", "removed", "unchanged", "query_ms", "fetch_ms", "duration_ms",
                "bytes_received", "cost", "dry_run",
            ]))
        let plan = await runCLI(["plan", "m", "--json"], in: f.directory)
        #expect(plan.status == 0)
        let profile = await runCLI(["profile", "a", "--json"], in: f.directory)
        #expect(
            profile.out.hasPrefix(
                "{\"key\":\"a\",\"traits\":{\"v\":1},\"provenance\":{\"v\":{\"model\":\"m\",\"run\":\""
                    + "\(runs[0]["run"] as? String ?? "?")\",\"at\":"
            ))
        let runsJSON = await runCLI(["runs", "--json"], in: f.directory)
        let history = try #require(
            try JSONSerialization.jsonObject(with: Data(runsJSON.out.utf8)) as? [String: [[String: Any]]])
        #expect(history["runs"]?.first?["status"] as? String == "succeeded")
        #expect(history["runs"]?.first?["added"] as? Int == 2)
        #expect(history["runs"]?.first?["traits_written"] as? Int == 2)
    }

    @Test func secretsNeverReachOutputOrTheStore() async throws {
        let f = try SyncFixture(store: .sqlite)
        let secret = "hunter2-\(UUID().uuidString.prefix(6))"
        let role = try TestPostgres.createRole(password: "right", in: f.warehouseDatabase)
        f.environment = ["WH_PASSWORD": secret]
        try f.writeConfig(
            sourceURL: "postgresql://\(role)@127.0.0.1:\(try TestPostgres.port())/\(f.warehouseDatabase)",
            extraSource: "password = \"${WH_PASSWORD}\"")
        try f.model("m", "-- key: id\nSELECT 1 AS id, 2 AS v")
        let result = await runCLI(["sync", "m"], in: f.directory, environment: f.environment)
        #expect(result.status == 1)
        #expect(result.out.contains("password authentication failed"))
        #expect(!result.out.contains(secret) && !result.err.contains(secret))
        let runs = await runCLI(["runs", "--json"], in: f.directory, environment: f.environment)
        #expect(runs.out.contains("password authentication failed"))
        #expect(!runs.out.contains(secret))
        let storeBytes = try Data(contentsOf: f.directory.appendingPathComponent("state.db"))
        #expect(storeBytes.range(of: Data(secret.utf8)) == nil)
    }
}

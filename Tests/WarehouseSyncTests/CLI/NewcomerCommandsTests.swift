import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import SyncCore
@testable import WarehouseSync

/// What a newcomer reaches for first: `init`, `--version`, `help COMMAND`, global options after
/// the command, and a config whose `[server]` and `[alerts]` secrets only `serve` needs.
@Suite struct NewcomerCommandsTests {
    static func emptyDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-new-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func initMakesAProjectThatSyncsAndOverwritesNothing() async throws {
        let parent = try Self.emptyDirectory()
        let created = await runCLI(["init", "demo"], in: parent)
        #expect(created.status == 0, "\(created.err)")
        #expect(created.out.contains("cd demo && warehouse-sync sync --all"), "\(created.out)")
        let project = parent.appendingPathComponent("demo")
        let sync = await runCLI(["sync", "--all", "--json"], in: project)
        #expect(sync.status == 0, "\(sync.err)")
        #expect(sync.out.contains("\"added\" : 5000"), "lifetime_value added every customer: \(sync.out)")
        let again = await runCLI(["init", "demo"], in: parent)
        #expect(again.status == 2 && again.err.contains("overwrites nothing"), "\(again.err)")
    }

    @Test func initRefusesWhatItWouldOverwriteOrCannotMake() async throws {
        let parent = try Self.emptyDirectory()
        #expect(await runCLI(["init", ""], in: parent).status == 2)
        try "x".write(to: parent.appendingPathComponent("afile"), atomically: true, encoding: .utf8)
        let file = await runCLI(["init", "afile"], in: parent)
        #expect(file.status == 2 && file.err.contains("is a file"), "\(file.err)")
        let stale = parent.appendingPathComponent("stale/.warehouse-sync")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try "junk".write(to: stale.appendingPathComponent("state.db"), atomically: true, encoding: .utf8)
        let existing = await runCLI(["init", "stale"], in: parent)
        #expect(existing.status == 2 && existing.err.contains("already has .warehouse-sync/state.db"))
        #expect(!FileManager.default.fileExists(atPath: parent.appendingPathComponent("stale/models").path))
        let odd = await runCLI(["init", "it's here"], in: parent)
        #expect(odd.out.contains("next: cd 'it'\\''s here' && warehouse-sync sync --all"), "\(odd.out)")
    }

    /// `init` writes the repository's own example project: its copies are the files.
    @Test func theEmbeddedExampleProjectIsTheRepositorysOwn() throws {
        for file in DemoProject.files {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent(file.path), encoding: .utf8)
            #expect(text == file.text + "\n", "Sources/CLI/DemoProject.swift's copy of \(file.path) is out of date")
        }
        let sql = try String(contentsOf: repositoryRoot.appendingPathComponent("demo/warehouse.sql"), encoding: .utf8)
        #expect(sql == DemoProject.warehouseSQL + "\n", "DemoProject.warehouseSQL is out of date")
    }

    @Test func versionHelpAndGlobalOptionsAnywhere() async throws {
        let version = await runCLI(["--version"], in: repositoryRoot)
        #expect(version.status == 0)
        #expect(version.out.hasPrefix("warehouse-sync \(Version.number) (commit "), "\(version.out)")
        #expect(
            await runCLI(["--help", "sync"], in: repositoryRoot).out
                == (await runCLI(["help", "sync"], in: repositoryRoot)).out)
        #expect((await runCLI(["runs", "--version"], in: repositoryRoot)).out.hasPrefix("warehouse-sync "))
        #expect((await runCLI(["help", "help"], in: repositoryRoot)).out.hasPrefix("usage: warehouse-sync help"))
        #expect(await runCLI(["--project=", "runs"], in: repositoryRoot).status == 2)
        let help = await runCLI(["help", "sync"], in: repositoryRoot)
        #expect(help.status == 0 && help.out.hasPrefix("usage: warehouse-sync [--project DIR] sync"), "\(help.out)")
        #expect(await runCLI(["help", "nope"], in: repositoryRoot).status == 2)
        let elsewhere = try Self.emptyDirectory()
        #expect(await runCLI(["init", elsewhere.appendingPathComponent("p").path], in: elsewhere).status == 0)
        let validate = await runCLI(["validate", "--project", "p"], in: elsewhere)
        #expect(validate.status == 0, "--project after the command: \(validate.err)")
        #expect(await runCLI(["validate", "--project=p"], in: elsewhere).status == 0)
        // A command option's value is never taken for --project.
        let literal = await runCLI(["profiles", "--prefix", "--project", "--project", "p"], in: elsewhere)
        #expect(literal.status == 0 && literal.out.hasPrefix("KEY"), "\(literal.err)")
    }

    @Test func planTakesSeveralModelsOrAllAndSavesOnePlanEach() async throws {
        let directory = try Self.emptyDirectory()
        #expect(await runCLI(["init", directory.path], in: directory).status == 0)
        let two = await runCLI(["plan", "high_value", "lifetime_value", "--json"], in: directory)
        #expect(two.status == 0, "\(two.err)")
        #expect(two.out.contains("\"model\" : \"high_value\"") && two.out.contains("\"model\" : \"lifetime_value\""))
        #expect(await runCLI(["plan", "--all", "--out", "plans/"], in: directory).status == 0, "the directory is made")
        for model in ["active_policies", "high_value", "lifetime_value"] {
            let data = try Data(contentsOf: directory.appendingPathComponent("plans/\(model).json"))
            #expect(try JSONDecoder().decode(SavedPlan.self, from: data).model == model)
        }
        try "{}".write(to: directory.appendingPathComponent("plan.json"), atomically: true, encoding: .utf8)
        let notADirectory = await runCLI(["plan", "--all", "--out", "plan.json"], in: directory)
        #expect(notADirectory.status == 2 && notADirectory.err.contains("is a file"), "\(notADirectory.err)")
        #expect(await runCLI(["sync", "high_value", "--plan", "plans/high_value.json"], in: directory).status == 0)
    }

    /// `status` shows each schedule as written with its timezone, and times in that zone with their
    /// offset; `runs` has an INVALID column and, like `changes`, says when its list is cut.
    @Test func listsSayWhatTheyShow() async throws {
        let directory = try Self.emptyDirectory()
        #expect(await runCLI(["init", directory.path], in: directory).status == 0)
        let berlinModel =
            "-- key: user_id\n-- source: demo\n-- schedule: daily at 02:00\n-- timezone: Europe/Berlin\n"
            + "SELECT user_id, 1 AS one FROM customers\n"
        try berlinModel.write(
            to: directory.appendingPathComponent("models/berlin.sql"), atomically: true, encoding: .utf8)
        #expect(await runCLI(["sync", "--all"], in: directory).status == 0)
        let status = await runCLI(["status"], in: directory)
        let berlin = try #require(status.out.split(separator: "\n").first { $0.hasPrefix("berlin") })
        #expect(berlin.contains("daily at 02:00 (Europe/Berlin)"), "\(berlin)")
        // runCLI's clock is 2027-01-15T08:00Z: the next 02:00 in Berlin is 01:00Z on the 16th.
        #expect(berlin.contains("2027-01-16T02:00:00+01:00"), "\(berlin)")
        #expect(!status.out.contains(" \n"), "no trailing spaces")
        let runs = await runCLI(["runs", "--limit", "2"], in: directory)
        #expect(runs.out.hasPrefix("RUN") && runs.out.contains(" INVALID "), "\(runs.out)")
        #expect(runs.err.contains("(the newest 2 runs; --limit N shows more)"), "\(runs.err)")
        let changes = await runCLI(["changes", "--limit", "3"], in: directory)
        #expect(changes.out.split(separator: "\n").count == 4, "a header and three changes")
        #expect(changes.err.contains("(the newest 3 changes; --limit N shows more"), "\(changes.err)")
        let all = await runCLI(["runs"], in: directory)
        #expect(all.err.isEmpty, "a list that is not cut says nothing: \(all.err)")
    }

    /// On a terminal a failed run is told in the summary, never as a JSON log line.
    @Test func aFailedSyncOnATerminalPrintsNoJSON() async throws {
        let directory = try Self.emptyDirectory()
        #expect(await runCLI(["init", directory.path], in: directory).status == 0)
        try "-- key: user_id\n-- source: demo\nSELECT user_id, order_totl FROM orders\n".write(
            to: directory.appendingPathComponent("models/bad.sql"), atomically: true, encoding: .utf8)
        let captured = CapturedConsole()
        let terminal = Console(
            out: { text in captured.console.print(String(text.dropLast())) },
            err: { text in captured.console.error(String(text.dropLast())) }, isTerminal: true)
        let status = await CLI.run(
            CLIContext(arguments: ["sync", "bad"], currentDirectory: directory, console: terminal))
        #expect(status == 1)
        #expect(captured.stdout.contains("models/bad.sql:3:17: no such column: order_totl"), "\(captured.stdout)")
        #expect(!captured.stderr.contains("{\""), "\(captured.stderr)")
        // SQLite counts bytes; the position is told in characters, after text that is not ASCII too.
        let wideModel = "-- key: user_id\n-- source: demo\nSELECT user_id, '日本日本日本' AS a,\n  bogus\n"
        try (wideModel + "FROM customers\n").write(
            to: directory.appendingPathComponent("models/bad.sql"), atomically: true, encoding: .utf8)
        let wide = await runCLI(["sync", "bad"], in: directory)
        #expect(wide.out.contains("models/bad.sql:4:3: no such column: bogus"), "\(wide.out)")
    }

    @Test func serverAndAlertSecretsAreNeededOnlyByServe() async throws {
        let directory = try Self.emptyDirectory()
        #expect(await runCLI(["init", directory.path], in: directory).status == 0)
        let config = directory.appendingPathComponent("warehouse-sync.toml")
        try
            (try String(contentsOf: config, encoding: .utf8)
                + """

                [server]
                listen = "0.0.0.0:0"
                token = "${WAREHOUSE_SYNC_TOKEN}"

                [alerts.ops]
                kind = "slack"
                url = "${SLACK_WEBHOOK_URL}"
                """).write(to: config, atomically: true, encoding: .utf8)
        let validate = await runCLI(["validate"], in: directory)
        #expect(validate.status == 0, "\(validate.err)")
        #expect(
            validate.err.contains("warning: warehouse-sync.toml:19: environment variable WAREHOUSE_SYNC_TOKEN"),
            "\(validate.err)")
        #expect(await runCLI(["sync", "lifetime_value"], in: directory).status == 0)
        #expect(await runCLI(["plan", "high_value"], in: directory).status == 0)
        let serve = await runCLI(["serve"], in: directory)
        #expect(serve.status == 2)
        #expect(
            serve.err.contains("WAREHOUSE_SYNC_TOKEN is not set") && serve.err.contains("SLACK_WEBHOOK_URL"),
            "\(serve.err)")
    }
}

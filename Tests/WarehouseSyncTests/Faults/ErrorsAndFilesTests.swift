import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// Errors say what, where and what to do; the store commands need only the store; paths are the
/// project's; errors are classified by what they are.
@Suite struct ErrorsAndFilesTests {
    @Test func aCommentAfterTheFinalSemicolonRunsAsWritten() async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE orders (user_id text, order_total numeric); INSERT INTO orders VALUES ('u1', 5)")
        try f.model(
            "m",
            "-- key: user_id\nSELECT user_id, SUM(order_total) AS ltv\nFROM orders\nGROUP BY user_id;  -- one row per "
                + "customer"
        )
        #expect(await runCLI(["validate", "--connect"], in: f.directory).status == 0)
        let sync = await runCLI(["sync", "m"], in: f.directory)
        #expect(sync.status == 0, "\(sync.out)")
        #expect(try f.traits("u1") == ["ltv": "5"])
    }

    @Test(arguments: [WarehouseKind.postgres, .sqlite])
    func aKeyThatDiffersInCaseIsNamedWithTheModelsLineNotTheWrappedSQL(source: WarehouseKind) async throws {
        let f = try SyncFixture(store: .sqlite, source: source)
        try f.warehouse(
            "CREATE TABLE \"ACCOUNTS\" (\"USER_ID\" text, \"PLAN\" text); INSERT INTO \"ACCOUNTS\" VALUES ('u1', "
                + "'gold')"
        )
        try f.model("m", "-- key: user_id\nSELECT * FROM \"ACCOUNTS\"")
        let sync = await runCLI(["sync", "m"], in: f.directory)
        #expect(sync.status == 1)
        #expect(sync.out.contains("the result has no key column user_id (models/m.sql:1)"), "\(sync.out)")
        #expect(sync.out.contains("USER_ID, PLAN"))
        #expect(!sync.out.contains("q.") && !sync.out.contains("character"), "\(sync.out)")
    }

    @Test func aStoreThatCannotBeWrittenIsNamedWithWhatToDo() async throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1)")
        try
            ("[store]\nurl = \"sqlite:/proc/ws-no-such-dir/state.db\"\n[sources.wh]\nkind = \"sqlite\"\npath = "
            + "\"warehouse.db\"\n")
            .write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        try f.model("m", "-- key: id\nSELECT id, v FROM t")
        let sync = await runCLI(["sync", "m"], in: f.directory)
        #expect(sync.status == 1)
        #expect(sync.err.contains("cannot create the directory /proc/ws-no-such-dir"), "\(sync.err)")
        #expect(sync.err.contains("hint:"), "\(sync.err)")
    }

    @Test func aStoppedStoreServerIsAStoreErrorAndTransient() async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try
            ("[store]\nurl = \"postgresql://nobody@127.0.0.1:1/store?connect_timeout=2\"\n[sources.wh]\nkind = "
            + "\"postgres\"\nurl = \"\(f.warehouseURL)\"\n")
            .write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        try f.model("m", "-- key: id\nSELECT id, v FROM t")
        let sync = await runCLI(["sync", "m"], in: f.directory)
        #expect(sync.status == 1)
        #expect(sync.err.contains("the store (PostgreSQL postgresql://nobody@127.0.0.1:1/store"), "\(sync.err)")
        #expect(sync.err.contains("check that the store's server is running"))
        let error = #expect(throws: StoreError.self) { try f.project().storeLocation.open() }
        #expect(error?.isTransient == true)
    }

    @Test func aTemporaryDirectoryThatCannotHoldTheSpoolIsNamed() throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\nSELECT id, v FROM t")
        let sync = try ToolProcess(
            project: f.directory, ["sync", "m"], environment: ["TMPDIR": "/proc/ws-no-tmp", "PATH": "/usr/bin:/bin"])
        #expect(sync.wait(timeout: 30) == 1)
        #expect(sync.stderr.contains("cannot create the run's change spool in /proc/ws-no-tmp"), "\(sync.stderr)")
        #expect(sync.stderr.contains("TMPDIR"))
    }

    @Test func storeCommandsNeedOnlyTheStoreAndCheckJudgesTheService() async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        f.environment = ["WH_PASSWORD": "unused"]
        try f.writeConfig(extraSource: "password = \"${WH_PASSWORD}\"")
        try f.model("m", "-- key: id\n-- schedule: hourly\nSELECT id, v FROM t")
        #expect(await runCLI(["sync", "m"], in: f.directory, environment: f.environment).status == 0)
        try f.store().heartbeat(holder: "test", at: Date(timeIntervalSince1970: 1_800_000_000))
        // An edit that does not validate, and no warehouse password in the environment.
        try f.model("broken", "-- key: id\n-- schedule: every now and then\nSELECT 1 AS id, 2 AS v")
        let check = await runCLI(["status", "--check"], in: f.directory)
        #expect(check.status == 0, "\(check.out)\(check.err)")
        #expect(check.err.contains("warning: the project does not validate"), "\(check.err)")
        #expect(await runCLI(["runs", "m"], in: f.directory).status == 0)
        let profile = await runCLI(["profile", "a", "--json"], in: f.directory)
        #expect(profile.status == 0 && profile.out.contains("\"v\":1"), "\(profile.err)")
        #expect(await runCLI(["validate"], in: f.directory).status == 2)
    }

    /// A config that does not even parse still lets `status --check` find the store and judge the
    /// service (which runs on its last valid config): the syntax error is a warning.
    @Test(arguments: [
        "[store]\nurl = \"STORE\"\n[sources.wh]\nkind = \"postgres\nurl = \"x\"\n",
        "[store]\nurl = \"STORE\" # the store\" oops\n[sources.wh]\nkind = \"postgres\"\n",
        "[store]\nurl = \"STORE\"\nurl = \"elsewhere\"\n",
        "[store]\nurl = \"STORE\"\n[store]\nurl = \"elsewhere\"\n",
        "[ store ] # where runs are kept\nurl = \"STORE\"\n[sources.wh\nkind = \"postgres\"\n",
        "= nonsense\n[store]\nurl = \"STORE\"\n",
        "[sources.wh]\nkind = \"postgres\"\npath = = \"x\"\n",
        "[store]\nurl = \"STORE\"\nchange_retention = \"abc\"\n[sources.wh\n",
        "[store]\nurl = \"STORE\"\nretention = \"30d\"\n[sources.wh\n",
        "[store]\nurl = \"STORE\"\nchange_retention = 5\n",
        "[store]\nurl = \"STORE\n[sources.wh]\nkind = \"postgres\"\n",
        "[store]\nurl = \"\"\"STORE\"\"\"\n",
    ])
    func statusCheckJudgesTheServiceThroughAConfigThatDoesNotParse(config: String) async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\n-- schedule: hourly\nSELECT id, v FROM t")
        let usesDefaultStore = !config.contains("STORE")
        if usesDefaultStore {
            try "[sources.wh]\nkind = \"postgres\"\nurl = \"\(f.warehouseURL)\"\n".write(
                to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        }
        let sync = await runCLI(["sync", "m"], in: f.directory)
        #expect(sync.status == 0, "\(sync.err)")
        let store =
            usesDefaultStore
            ? try StoreLocation(url: Secret(ProjectConfig.defaultStoreURL), projectDirectory: f.directory).open()
            : try f.store()
        try store.heartbeat(holder: "test", at: Date(timeIntervalSince1970: 1_800_000_000))  // runCLI's now
        try config.replacingOccurrences(of: "STORE", with: f.storeURL).write(
            to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        let check = await runCLI(["status", "--check"], in: f.directory)
        #expect(check.status == 0, "\(check.out)\(check.err)")
        #expect(check.err.contains("warning: the project does not validate"), "\(check.err)")
        #expect(check.out.contains("succeeded"), "the store that ran is the one read: \(check.out)")
    }

    @Test func aRelativeMetricsFileIsThePrejects() throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1)")
        try
            ("[store]\nurl = \"\(f.storeURL)\"\n[scheduler]\nmetrics_file = \"metrics/ws.prom\"\n[sources.wh]\nkind = "
            + "\"sqlite\"\npath = \"warehouse.db\"\n")
            .write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            at: f.directory.appendingPathComponent("metrics"), withIntermediateDirectories: true)
        try f.model("m", "-- key: id\n-- schedule: every 1s\nSELECT id, v FROM t")
        let serve = try ToolProcess(project: f.directory, ["serve"])
        defer { serve.signal(SIGKILL) }
        #expect(
            try waitUntil(20) {
                FileManager.default.fileExists(atPath: f.directory.appendingPathComponent("metrics/ws.prom").path)
            },
            "\(serve.stderr)")
        serve.signal(SIGTERM)
        #expect(serve.wait(timeout: 15) == 0)
    }

    @Test func errorsAreClassifiedByWhatTheyAre() {
        // Store errors carry an opaque code made where they are thrown.
        #expect(StoreError.from(ConnectorError(.connectionFailed, "refused"), place: "x").code == .connection)
        #expect(StoreError.from(ConnectorError(.query, "unable to open database file"), place: "x").code == .file)
        #expect(StoreError.leaseLost(model: "m", holder: "h").code == .lease)
        // A SQLite store another process kept locked past the busy timeout: say who may hold it.
        let busy = StoreError.from(ConnectorError(.timeout, "database is locked"), place: "x", isFile: true)
        #expect(busy.isTransient && busy.hint?.contains("held the store's write lock") == true)
        #expect(busy.errorCode == "store.busy")
        // Opening a store waits out a lock answered at once, whether the driver's error or the store's.
        for failure in [busy as any Error, ConnectorError(.timeout, "database is locked")] {
            var tries = 0
            let opened = try? SQLiteStoreDatabase.whileBusy(limit: .seconds(5)) { () throws -> Bool in
                tries += 1
                if tries < 3 { throw failure }
                return true
            }
            #expect(opened == true && tries == 3)
        }
        #expect(throws: StoreError.self) { try SQLiteStoreDatabase.whileBusy(limit: .zero) { throw busy } }
        // A server's SQLSTATE travels with the store's error (a migration names what it refers to).
        #expect(StoreError.from(ConnectorError(.query, "in use", sqlState: "2BP01"), place: "x").sqlState == "2BP01")
        #expect(
            StoreError.from(ConnectorError(.query, "x", sqlState: "25006"), place: "x", isFile: true).sqlState == nil)
        #expect(throws: StoreError.self) {
            do {
                _ = try StoreLocation(url: Secret("mysql://h/db"), projectDirectory: URL(fileURLWithPath: "/")).open()
            } catch let e as StoreError {
                #expect(e.code == .location)
                throw e
            }
        }
        #expect(
            SchedulerService.classify(StoreError("the store has schema version 9, newer")) == .failed(transient: false))
        #expect(
            SchedulerService.classify(StoreError.from(ConnectorError(.connectionFailed, "refused"), place: "x"))
                == .failed(transient: true))
        #expect(
            SchedulerService.classify(
                StoreError.from(ConnectorError(.query, "attempt to write a readonly database"), place: "x"))
                == .failed(transient: false))
        #expect(
            SchedulerService.classify(ConnectorError(.query, "syntax error", sqlState: "42601"))
                == .failed(transient: false))
        #expect(SchedulerService.classify(ConnectorError(.connectionLost, "gone")) == .failed(transient: true))
        #expect(SchedulerService.classify(SpoolError("disk full", hint: "")) == .failed(transient: true))
    }
}

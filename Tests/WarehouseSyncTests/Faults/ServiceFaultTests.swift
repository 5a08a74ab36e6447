import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// Faults an attack on the running service found: each as a test.
@Suite struct ServiceFaultTests {
    @Test func aNulByteInAQueryIsAnErrorWithItsLine() throws {
        let errors = #expect(throws: ProjectErrors.self) {
            try Model.parse(
                text: "-- key: id\n-- kind: segment\nSELECT id FROM t\nWHERE 1=0\u{0} OR 1=1;", file: "models/m.sql")
        }
        #expect(errors?.errors.first?.line == 4)
        #expect(errors?.errors.first?.message == "the query contains a NUL character (byte 0)")
    }

    @Test func aBadStoreURLIsAConfigErrorWithItsLineAndNoPassword() throws {
        for (url, message) in [
            ("postgres://u:Pw-Secret-9@127.0.0.1:99999/db", "invalid port number"), ("sqlite:", "has no file path"),
            ("postgres://u@h/db?sslmode=bogus", "sslmode"), ("mysql://h/db", "unsupported store url"),
        ] {
            let errors = #expect(throws: ProjectErrors.self) {
                try ProjectConfig.load(text: "[store]\nurl = \"\(url)\"\n", file: "w.toml", environment: [:])
            }
            #expect(errors?.errors.first?.line == 2, "\(url)")
            #expect(errors?.errors.first?.message.contains(message) == true, "\(url): \(errors?.description ?? "")")
            #expect(errors?.description.contains("Secret") == false)
        }
    }

    @Test func aSpoolFailureInsideACommitStaysASpoolErrorAndIsRetried() throws {
        let error = #expect(throws: SpoolError.self) {
            throw StoreError.classified(SpoolError("cannot write", hint: "free space"), place: "x", isFile: false)
        }
        #expect(error != nil)
        #expect(SchedulerService.classify(error!) == .failed(transient: true))
        let invalidURL = StoreError.from(
            ConnectorError(.connectionFailed, "invalid port number", sqlState: "08P01"), place: "x")
        #expect(!invalidURL.isTransient)
    }

    @Test func theSchedulersStoreConnectionReopensAfterATransientFailure() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-worker-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let worker = StoreWorker(location: StoreLocation(url: Secret("sqlite:state.db"), projectDirectory: directory))
        let first = try await worker.perform { ObjectIdentifier($0) }
        _ = try? await worker.perform { _ -> Int in throw StoreError("connection lost", transient: true) }
        let second = try await worker.perform { ObjectIdentifier($0) }
        #expect(first != second)
        let third = try await worker.perform { ObjectIdentifier($0) }
        #expect(second == third)
    }

    @Test func storeCommandsReadTheStoreThroughASyntaxErrorElsewhere() async throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\n-- schedule: hourly\nSELECT id, v FROM t")
        #expect(await runCLI(["sync", "m"], in: f.directory).status == 0)
        try f.store().heartbeat(holder: "test", at: Date(timeIntervalSince1970: 1_800_000_000))
        let config = try String(contentsOf: f.directory.appendingPathComponent("warehouse-sync.toml"), encoding: .utf8)
        try (config + "\nkind = \"sqlite\n").write(
            to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        let check = await runCLI(["status", "--check"], in: f.directory)
        #expect(check.status == 0, "\(check.out)\(check.err)")
        #expect(check.err.contains("warning: the project does not validate"))
        #expect(await runCLI(["runs"], in: f.directory).status == 0)
        #expect(await runCLI(["profile", "a"], in: f.directory).status == 0)
    }

    @Test func aModelThatFailsEveryRunIsUnhealthyThoughTicksAreSkippedBetween() async throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER)")
        try f.model("m", "-- key: id\n-- schedule: hourly\nSELECT id, v FROM t")
        let store = try f.store()
        try store.heartbeat(holder: "test", at: Date(timeIntervalSince1970: 1_800_000_000))
        for (index, status) in [RunRecord.Status.failed, .skipped, .failed, .skipped, .failed, .skipped].enumerated() {
            var run = RunRecord(
                id: "r\(index)", model: "m", source: "wh", trigger: .schedule, status: status,
                startedAt: Date(timeIntervalSince1970: 1_799_999_000 + Double(index)))
            run.error = status == .failed ? "timed out" : "the tick came while the previous run was still running"
            try store.record(run)
        }
        let check = await runCLI(["status", "--check"], in: f.directory)
        #expect(check.status == 1, "\(check.out)\(check.err)")
        #expect(check.err.contains("model m failed its last 3 runs"))
    }

    @Test func aRunCancelledBeforeItsCommitIsSkippedNotFailed() async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\nSELECT id, v FROM t, (SELECT pg_sleep(30)) s")
        let project = try f.project()
        let token = CancellationToken()
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { token.cancel() }
        #expect(throws: (any Error).self) {
            try SyncRunner(project: project).run(
                project.model(named: "m")!, options: SyncOptions(trigger: .schedule), token: token)
        }
        let run = try #require(try f.store().runs(model: "m", limit: 1).first)
        #expect(run.status == .skipped && run.error == SyncRunner.cancelledReason)
        var core = SchedulerCore(
            models: [ScheduledModel(name: "m", schedule: .manual, timeZone: .gmt, source: "wh")],
            lastFire: ["m": Date(timeIntervalSince1970: 1000)], maxConcurrentRuns: 1,
            maxConcurrentPerSource: [:], startedAt: Date(timeIntervalSince1970: 1000))
        #expect(core.cancelledAtShutdown(model: "m") == [.recordFire(model: "m", at: Date(timeIntervalSince1970: 999))])
    }

    @Test func aPlanIsLoggedAsAPlanNotARun() async throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\nSELECT id, v FROM t")
        let plan = await runCLI(["plan", "m"], in: f.directory)
        #expect(plan.status == 0)
        #expect(
            plan.err.contains("\"event\":\"plan_finished\"") && !plan.err.contains("run_finished")
                && !plan.err.contains("\"run\":"))
    }

    @Test func aStoreURLEditUnderServeIsRefusedAndTheStoreKept() throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\n-- schedule: every 1s\nSELECT id, v FROM t")
        let serve = try ToolProcess(project: f.directory, ["serve"])
        defer { serve.signal(SIGKILL) }
        #expect(try waitUntil(20) { serve.stderr.contains("\"event\":\"run_finished\"") })
        let other = f.directory.appendingPathComponent("other.db").path
        try "[store]\nurl = \"sqlite:\(other)\"\n[sources.wh]\nkind = \"sqlite\"\npath = \"warehouse.db\"\n"
            .write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        #expect(try waitUntil(10) { serve.stderr.contains("[store] url changed") }, "\(serve.stderr.suffix(1500))")
        let finished = serve.stderr.components(separatedBy: "\"event\":\"run_finished\"").count
        #expect(
            try waitUntil(10) { serve.stderr.components(separatedBy: "\"event\":\"run_finished\"").count > finished })
        #expect(!FileManager.default.fileExists(atPath: other))
        serve.signal(SIGTERM)
        #expect(serve.wait(timeout: 15) == 0)
    }
}

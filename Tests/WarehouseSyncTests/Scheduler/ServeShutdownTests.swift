import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// `serve` stops within its deadline even when a run ignores cancellation, and the runs that
/// waited for a slot are recorded and caught up, not lost.
@Suite struct ServeShutdownTests {
    @Test func aRunStuckInTheStoreDoesNotHoldServePastTheDeadline() throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\n-- schedule: every 1s\nSELECT id, v FROM t")
        let serve = try ToolProcess(project: f.directory, ["serve"])
        defer { serve.signal(SIGKILL) }
        #expect(try waitUntil(20) { serve.stderr.contains("\"event\":\"run_finished\"") }, "\(serve.stderr)")
        // Another connection holds the store's write lock: the next tick's store write and run
        // wait in SQLite's busy handler (30 s), where no cancellation reaches them.
        let blocker = try SQLiteDatabase(path: String(f.storeURL.dropFirst("sqlite:".count)))
        try blocker.execute("BEGIN IMMEDIATE")
        Thread.sleep(forTimeInterval: 2.5)
        let signalled = Date()
        serve.signal(SIGTERM)
        let status = serve.wait(timeout: 25)
        #expect(status == 0, "\(serve.stderr.suffix(1500))")
        // serve's deadline is 10.5 s; waiting for the busy handler would take 30 s. The rest of the
        // margin is for a loaded machine.
        #expect(Date().timeIntervalSince(signalled) < 20)
        try blocker.execute("ROLLBACK")
    }

    @Test func runsWaitingForASlotAtShutdownAreRecordedSkipped() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try """
        [store]
        url = "\(f.storeURL)"
        [scheduler]
        max_concurrent_runs = 1
        [sources.wh]
        kind = "postgres"
        url = "\(f.warehouseURL)"
        """.write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        for name in ["m1", "m2", "m3"] {
            try f.model(
                name, "-- key: id\n-- schedule: every 2s\nSELECT id, v AS \(name) FROM t, (SELECT pg_sleep(6)) s")
        }
        let serve = try ToolProcess(project: f.directory, ["serve"])
        defer { serve.signal(SIGKILL) }
        #expect(try waitUntil(15) { serve.stderr.contains("\"event\":\"run_started\"") }, "\(serve.stderr)")
        Thread.sleep(forTimeInterval: 0.5)
        serve.signal(SIGTERM)
        #expect(serve.wait(timeout: 15) == 0, "\(serve.stderr.suffix(1500))")
        let skipped = try f.store().runs(model: nil, limit: 50).filter {
            $0.status == .skipped && $0.error == SchedulerCore.shutdownReason
        }
        #expect(skipped.count == 2, "\(serve.stderr.suffix(2000))")
        #expect(serve.stderr.contains("shutdown: the service stopped while the run waited for a slot"))
    }
}

import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import SyncCore
@testable import WarehouseSync

/// Ctrl-C during `sync`: the query is cancelled on the server, nothing is written, the run is
/// recorded as skipped, and the command says so and exits 130.
@Suite struct InterruptTests {
    @Test func ctrlCDuringASyncCancelsTheQueryAndSaysNothingWasWritten() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try f.model("slow", "-- key: id\nSELECT id, v FROM t, (SELECT pg_sleep(300)) s\n")
        let sync = try ToolProcess(project: f.directory, ["sync", "slow"])
        defer { sync.signal(SIGKILL) }
        let admin = try PGConnection(conninfo: f.warehouseURL)
        let active =
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(300)%' AND state = 'active' "
            + "AND pid <> pg_backend_pid()"
        #expect(try waitUntil(30) { try admin.execute(active).text(0, 0) == "1" })
        sync.signal(SIGINT)
        #expect(sync.wait(timeout: 60) == 130, "\(sync.stderr)")
        #expect(sync.stderr.contains("interrupted: the run of slow was stopped before it committed"), "\(sync.stderr)")
        #expect(try admin.execute(active).text(0, 0) == "0", "the query was cancelled on the server")
        #expect(try f.allProfiles().isEmpty, "nothing was written")
        let runs = try f.store().runs(model: "slow", limit: 5)
        #expect(runs.first?.status == .skipped && runs.first?.error == SyncRunner.cancelledReason, "\(runs)")
    }

    /// A cancel that comes while the run writes stops the commit, which rolls back: nothing of the
    /// run is written, and it is recorded as skipped.
    @Test(arguments: StoreKind.allCases)
    func aCancelDuringTheWritesRollsTheCommitBack(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            "CREATE TABLE t (id text, v int); INSERT INTO t SELECT 'k' || g, g FROM generate_series(1, 20000) g")
        try f.model("m", "-- key: id\nSELECT id, v FROM t\n")
        let project = try f.project()
        let token = CancellationToken()
        let runner = SyncRunner(project: project) { p in if p.phase == "write" && p.rows > 0 { token.cancel() } }
        #expect(throws: (any Error).self) {
            try runner.run(try #require(project.model(named: "m")), options: SyncOptions(), token: token)
        }
        #expect(try f.allProfiles().isEmpty, "nothing was written")
        let run = try #require(try f.store().runs(model: "m", limit: 1).first)
        #expect(run.status == .skipped && run.error == SyncRunner.cancelledReason, "\(run)")
        #expect(try f.sync("m").record.added == 20000, "the next run writes everything")
    }
}

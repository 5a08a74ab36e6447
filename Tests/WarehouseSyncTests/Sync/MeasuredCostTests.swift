import Foundation
import TestSupport
import Testing

@testable import Connectors
@testable import Drivers
@testable import SyncCore
@testable import WarehouseSync

/// The measured cost (docs/cost.md) on the test PostgreSQL (started with `pg_stat_statements` preloaded):
/// with the extension in the warehouse's database, a run records the server's execution time and
/// shared blocks of its query; without it, what the client and the planner know.
@Suite struct MeasuredCostTests {
    /// Calls of the run's `COPY` that `pg_stat_statements` counted in the warehouse's database.
    func copyCalls(_ f: SyncFixture) throws -> Int {
        let pg = try PGConnection(conninfo: f.warehouseURL)
        let rows = try pg.execute(
            """
            SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
            WHERE query LIKE 'COPY (%' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)
        return Int(rows.text(0, 0) ?? "") ?? -1
    }

    @Test func aRunRecordsTheServersExecutionTimeAndBlocks() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            """
            CREATE EXTENSION pg_stat_statements;
            CREATE TABLE t (id text PRIMARY KEY, v int);
            INSERT INTO t SELECT 'u' || g, g FROM generate_series(1, 20000) g;
            """)
        try f.model("m", "-- key: id\n-- skip_unchanged: false\nSELECT id, v FROM t\n")
        for attempt in 1...2 {
            let cost = try #require(f.sync("m").record.cost)
            #expect((cost["execution_ms"] ?? 0) > 0, "attempt \(attempt): \(cost)")
            #expect((cost["shared_blks_hit"] ?? 0) + (cost["shared_blks_read"] ?? 0) > 0, "\(cost)")
            #expect(cost["planner_total_cost"] != nil, "\(cost)")
        }
        #expect(try copyCalls(f) == 2)
    }

    @Test func withoutTheExtensionTheRunRecordsWhatItDidBefore() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text PRIMARY KEY, v int); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\n-- skip_unchanged: false\nSELECT id, v FROM t\n")
        let run = try f.sync("m").record
        #expect(run.status == .succeeded)
        #expect(run.cost?["execution_ms"] == nil && run.cost?["planner_total_cost"] != nil, "\(run.cost ?? [:])")
    }

    @Test func aSkippedRunSendsTheServerNoModelQuery() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            "CREATE EXTENSION pg_stat_statements; CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\nSELECT id, v FROM t\n")
        #expect(try f.sync("m").record.status == .succeeded)
        Thread.sleep(forTimeInterval: 1)
        #expect(try f.sync("m").record.status == .skipped)
        let evicted =
            try PGConnection(conninfo: f.warehouseURL).execute(
                "SELECT dealloc FROM pg_stat_statements_info"
            ).text(0, 0) ?? "?"
        #expect(try copyCalls(f) == 1, "only the first run's COPY reached the server (entries evicted: \(evicted))")
    }

    @Test func measuresNeedExactlyOneCallBetweenTheReadings() {
        let before = StatementCounters(calls: 3, executionMs: 10, sharedBlocksHit: 100, sharedBlocksRead: 5)
        let after = StatementCounters(calls: 4, executionMs: 12.5, sharedBlocksHit: 160, sharedBlocksRead: 9)
        #expect(after.measures(since: before) == ["execution_ms": 2.5, "shared_blks_hit": 60, "shared_blks_read": 4])
        #expect(after.measures(since: after) == nil, "no call: nothing measured")
        var twice = after
        twice.calls += 1
        #expect(twice.measures(since: before) == nil, "another session ran the same text")
    }
}

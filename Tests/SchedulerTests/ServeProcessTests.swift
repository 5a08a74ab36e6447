import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// `serve` as real processes against the throwaway PostgreSQL, as warehouse and as store.
@Suite struct ServeProcessTests {
    struct ServeProject {
        let directory: URL
        let warehouse: PGConnection
        let storeURL: String

        init(model: String) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-serve-\(UUID().uuidString)")
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
            let wh = try TestPostgres.freshDatabase("serve_wh")
            storeURL = try TestPostgres.freshDatabase("serve_store").url
            warehouse = try PGConnection(conninfo: wh.url)
            try warehouse.execute(
                "CREATE TABLE t (id text, v int); INSERT INTO t SELECT 'k' || g, g FROM generate_series(1, 200) g")
            try
                ("[store]\nurl = \"\(storeURL)\"\n[sources.wh]\nkind = \"postgres\"\nurl = "
                + "\"\(wh.url)\"\nmax_concurrent_runs = 2\n")
                .write(to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
            try writeModel(model)
        }

        func writeModel(_ text: String) throws {
            try text.write(to: directory.appendingPathComponent("models/m.sql"), atomically: true, encoding: .utf8)
        }

        /// Whether the model's query is running on the warehouse now.
        func queryActive() throws -> Bool {
            try warehouse.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE "
                    + "'warehouse-sync:m:%' AND state = 'active'"
            ).text(0, 0) != "0"
        }

        func store() throws -> PGConnection { try PGConnection(conninfo: storeURL) }
    }

    static func waitFor(_ seconds: TimeInterval, _ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    @Test func twoServeProcessesNeverRunOneModelTwiceAtOnce() throws {
        let p = try ServeProject(
            model: "-- key: id\n-- schedule: every 1s\n-- traits: v\nSELECT id, v FROM t, (SELECT pg_sleep(1.3)) s\n")
        let first = try ToolProcess(project: p.directory, ["serve"])
        let second = try ToolProcess(project: p.directory, ["serve"])
        // Until enough runs (and skips) happened to judge, however slow a loaded machine is.
        let judged = try Self.waitFor(120) {
            // The store exists once a serve has opened it.
            guard
                let counts = try? p.store().execute(
                    """
                    SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'skipped')
                    FROM warehouse_sync.runs WHERE model = 'm'
                    """)
            else { return false }
            return Int(counts.text(0, 0) ?? "0") ?? 0 >= 4 && Int(counts.text(0, 1) ?? "0") ?? 0 >= 1
        }
        #expect(judged, "four runs and a skip within two minutes")
        first.signal(SIGTERM)
        second.signal(SIGTERM)
        #expect(first.wait(timeout: 30) == 0)
        #expect(second.wait(timeout: 30) == 0)
        let runs = try p.store().execute(
            """
            SELECT extract(epoch FROM started_at), extract(epoch FROM finished_at) FROM warehouse_sync.runs
            WHERE model = 'm' AND status = 'succeeded' ORDER BY started_at
            """)
        let intervals = (0..<runs.rowCount).map { (Double(runs.text($0, 0)!)!, Double(runs.text($0, 1)!)!) }
        #expect(intervals.count >= 3, "too few runs to judge: \(intervals.count)\n\(first.stderr)")
        for (a, b) in zip(intervals, intervals.dropFirst()) {
            #expect(a.1 <= b.0, "runs overlap: \(a) and \(b)")
        }
        let skipped = try p.store().execute(
            "SELECT count(*) FROM warehouse_sync.runs WHERE model = 'm' AND status = 'skipped'"
        ).text(0, 0)
        #expect(Int(skipped ?? "0")! > 0)
        #expect(
            first.stderr.contains("\"event\":\"run_skipped\"") || second.stderr.contains("\"event\":\"run_skipped\""))
    }

    @Test func syncByHandIsRefusedWhileServeRunsTheModelAndWaitsWithWait() throws {
        let p = try ServeProject(
            model: "-- key: id\n-- schedule: every 1s\n-- traits: v\nSELECT id, v FROM t, (SELECT pg_sleep(2)) s\n")
        let serve = try ToolProcess(project: p.directory, ["serve"])
        defer {
            serve.signal(SIGTERM)
            _ = serve.wait(timeout: 10)
        }
        #expect(try Self.waitFor(15) { try p.queryActive() })
        let refused = try ToolProcess(project: p.directory, ["sync", "m"])
        #expect(refused.wait(timeout: 30) == 1)
        #expect(refused.stderr.contains("another run of this model is in progress"))
        let waiting = try ToolProcess(project: p.directory, ["sync", "m", "--wait"])
        #expect(waiting.wait(timeout: 60) == 0, "\(waiting.stderr)")
        #expect(
            try p.store().execute(
                "SELECT count(*) FROM warehouse_sync.runs WHERE model = 'm' AND trigger = 'manual' AND status = "
                    + "'succeeded'"
            ).text(0, 0) == "1")
    }

    @Test func sigtermDuringALongRunExitsZeroPromptlyAndWritesNothing() throws {
        let p = try ServeProject(
            model: "-- key: id\n-- schedule: every 1s\n-- traits: v\nSELECT id, v FROM t, (SELECT pg_sleep(300)) s\n")
        let serve = try ToolProcess(project: p.directory, ["serve"])
        #expect(try Self.waitFor(15) { try p.queryActive() })
        let signalled = Date()
        serve.signal(SIGTERM)
        let status = serve.wait(timeout: 60)
        #expect(status == 0, "\(serve.stderr)")
        // Far under the statement's 300 s: the cancel reached the server. The margin is for a loaded machine.
        #expect(Date().timeIntervalSince(signalled) < 30)
        #expect(try !p.queryActive())
        #expect(try p.store().execute("SELECT count(*) FROM warehouse_sync.profiles").text(0, 0) == "0")
        #expect(
            try p.store().execute("SELECT count(*) FROM warehouse_sync.runs WHERE status = 'succeeded'").text(0, 0)
                == "0")
        #expect(serve.stderr.contains("\"event\":\"shutdown\""))
    }

    @Test func anInvalidEditIsLoggedAndTheLastValidVersionKeepsRunning() throws {
        let p = try ServeProject(
            model: "-- key: id\n-- schedule: every 1s\n-- skip_unchanged: false\nSELECT id, v FROM t\n")
        let serve = try ToolProcess(project: p.directory, ["serve"])
        defer {
            serve.signal(SIGTERM)
            _ = serve.wait(timeout: 10)
        }
        #expect(try Self.waitFor(15) { serve.stderr.contains("\"event\":\"run_finished\"") })
        try p.writeModel("-- key: id\n-- schedule: every now and then\nSELECT id, v FROM t\n")
        #expect(try Self.waitFor(10) { serve.stderr.contains("\"event\":\"reload_failed\"") })
        let log = serve.stderr
        #expect(log.contains("\"file\":\"models/m.sql\""))
        #expect(log.contains("\"line\":2"))
        let finishedBefore = log.components(separatedBy: "\"event\":\"run_finished\"").count
        try p.warehouse.execute("UPDATE t SET v = v + 1 WHERE id = 'k1'")
        #expect(
            try Self.waitFor(10) {
                serve.stderr.components(separatedBy: "\"event\":\"run_finished\"").count > finishedBefore + 1
            })
        #expect(
            try p.store().execute("SELECT traits->>'v' FROM warehouse_sync.profiles WHERE key = 'k1'").text(0, 0) == "2"
        )
    }
}

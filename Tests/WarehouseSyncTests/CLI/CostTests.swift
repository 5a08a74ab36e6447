import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// `cost` (docs/cost.md) on a controlled history, and the planner-cost budget on the test PostgreSQL.
@Suite struct CostTests {
    /// runCLI's clock.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func run(_ model: String, _ hoursAgo: Double, _ status: RunRecord.Status, _ cost: [String: Double]?) -> RunRecord {
        var r = RunRecord(
            id: "\(model)-\(hoursAgo)", model: model, source: "wh", trigger: .schedule, status: status,
            startedAt: Self.now.addingTimeInterval(-hoursAgo * 3600))
        r.finishedAt = r.startedAt.addingTimeInterval(1)
        r.cost = cost
        return r
    }

    @Test func theProjectionIsTheMeanTimesTheScheduleRunsInAMonth() async throws {
        let project = try temporaryProject([
            "warehouse-sync.toml": """
            [store]
            url = "sqlite:state.db"
            [sources.wh]
            kind = "sqlite"
            path = "w.db"
            price_per_hour = "3.60"
            """,
            "models/hourly.sql": "-- key: k\n-- schedule: hourly\nSELECT 1 AS k, 2 AS a\n",
            "models/quarter.sql": "-- key: k\n-- schedule: every 15m\nSELECT 1 AS k, 2 AS b\n",
            "models/after.sql": "-- key: k\n-- schedule: after hourly\nSELECT 1 AS k, 2 AS c\n",
            "models/manual.sql": "-- key: k\nSELECT 1 AS k, 2 AS d\n",
        ])
        let store = try StoreLocation(url: Secret("sqlite:state.db"), projectDirectory: project).open()
        for r in [
            run("hourly", 1, .succeeded, ["execution_ms": 1000, "shared_blks_read": 10]),
            run("hourly", 2, .succeeded, ["execution_ms": 3000]),
            run("hourly", 3, .failed, ["execution_ms": 2000, "shared_blks_read": 30]),
            run("hourly", 4, .skipped, nil),
            run("hourly", 5, .skipped, nil),
            run("hourly", 24 * 40, .succeeded, ["execution_ms": 999_999]),  // outside the 30 days
            run("quarter", 1, .succeeded, ["execution_ms": 100]),
        ] {
            try store.record(r)
        }
        let result = await runCLI(["cost", "--json"], in: project)
        #expect(result.status == 0, "\(result.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let models = try #require(json["models"] as? [[String: Any]])
        let hourly = try #require(models.first { $0["model"] as? String == "hourly" })
        #expect(hourly["runs"] as? Int == 3 && hourly["skipped_runs"] as? Int == 2)
        #expect(hourly["total"] as? [String: Double] == ["execution_ms": 6000, "shared_blks_read": 40])
        #expect(hourly["mean"] as? [String: Double] == ["execution_ms": 2000, "shared_blks_read": 20])
        #expect(hourly["runs_per_month"] as? Int == 720)
        #expect(
            hourly["monthly_projection"] as? [String: Double] == [
                "execution_ms": 2000 * 720, "shared_blks_read": 20 * 720,
            ])
        // 2 s a run at 3.60 an hour is 0.002 a run, 1.44 a month.
        #expect(abs((hourly["monthly_projection_money"] as? Double ?? 0) - 1.44) < 1e-9)
        let quarter = try #require(models.first { $0["model"] as? String == "quarter" })
        #expect(quarter["runs_per_month"] as? Int == 2880)
        #expect(quarter["monthly_projection"] as? [String: Double] == ["execution_ms": 288_000])
        #expect(models.first { $0["model"] as? String == "after" }?["runs_per_month"] as? Int == 720)
        #expect(models.first { $0["model"] as? String == "manual" }?["runs_per_month"] as? Int == 0)
        let week = await runCLI(["cost", "--days", "0"], in: project)
        #expect(week.status == 2, "--days is 1 to 366")
        let text = await runCLI(["cost"], in: project)
        #expect(text.out.contains("execution_ms=2000") && text.out.contains("1.44 in money"), "\(text.out)")
    }

    @Test(arguments: StoreKind.allCases)
    func aRunOverItsPlannerCostBudgetIsHeldBeforeItsQueryRuns(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            "CREATE TABLE big AS SELECT 'u' || g AS id, g AS v FROM generate_series(1, 20000) g; ANALYZE big")
        try f.model("m", "-- key: id\n-- budget: 10 planner_cost\nSELECT id, v FROM big\n")
        func scans() throws -> Int {
            let pg = try PGConnection(conninfo: f.warehouseURL)
            return Int(
                try pg.execute(
                    "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
                        + "WHERE relname = 'big'"
                ).text(0, 0) ?? "0") ?? 0
        }
        let before = try scans()
        let held = try f.sync("m").record
        #expect(held.status == .blocked)
        #expect(held.error?.contains("over budget: the planner estimates") == true, "\(held.error ?? "")")
        #expect(held.error?.contains("more than the budget 10 planner_cost") == true)
        #expect(try f.allProfiles().isEmpty, "nothing was written")
        Thread.sleep(forTimeInterval: 1.5)  // the server publishes a backend's table statistics when it ends
        #expect(try scans() == before, "the model's query never ran")
        #expect(try f.sync("m", SyncOptions(force: true)).record.status == .succeeded, "--force lets it through")
        try f.model("m", "-- key: id\n-- budget: 100000000 planner_cost\nSELECT id, v FROM big\n")
        #expect(try f.sync("m").record.status == .succeeded, "a budget above the estimate runs")
        #expect(throws: ProjectErrors.self) {
            try Model.parse(text: "-- key: k\n-- budget: 50 furlongs\nSELECT 1 AS k\n", file: "m.sql")
        }
        try f.model("m", "-- key: id\n-- budget: 50GB\nSELECT id, v FROM big\n")
        let error = try #require(throws: ProjectErrors.self) { try f.sync("m") }
        #expect(
            "\(error)".contains("models/m.sql:2: budget 50 GB is not a unit that postgres sources have"), "\(error)")
    }
}

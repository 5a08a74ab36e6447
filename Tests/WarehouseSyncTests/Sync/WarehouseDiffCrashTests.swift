import Foundation
import TestSupport
import Testing

@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The crash guarantee (docs/warehouse-diff.md): the store's commit records which scratch table is current and the
/// previous one is dropped after it; a run killed anywhere, between the two included, ends after a
/// rerun equal to a clean run.
@Suite(.serialized) struct WarehouseDiffCrashTests {
    static let model = """
        -- key: id
        -- diff: warehouse
        -- max_removed: 100%
        SELECT id, score, tier, amount FROM features
        """

    static func fixture(rows: Int) throws -> SyncFixture {
        let f = try WarehouseDiffTests.fixture(.sqlite)
        try f.warehouse(
            """
            CREATE TABLE features (id text, score int, tier text, amount numeric(12,2));
            INSERT INTO features SELECT 'k' || g, g % 1000, CASE WHEN g % 3 = 0 THEN 'gold' ELSE 'basic' END, g * 0.25
            FROM generate_series(1, \(rows)) g;
            """)
        try f.model("features", model)
        return f
    }

    /// The profiles a clean client-side run of the same warehouse writes into a fresh store.
    static func cleanProfiles(_ f: SyncFixture) throws -> [String: [String: String]] {
        let clean = try SyncFixture(store: .sqlite)
        clean.reuseWarehouse(of: f)
        try clean.model("features", model.replacingOccurrences(of: "-- diff: warehouse\n", with: ""))
        try clean.sync("features")
        return try clean.allProfiles()
    }

    static func start(_ f: SyncFixture) throws -> Process {
        let process = Process()
        process.executableURL = try warehouseSyncBinary()
        process.arguments = ["--project", f.directory.path, "sync", "features"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func aRunKilledBetweenTheCommitAndTheSwapIsRepairedAndTheNextRunIsNotSkipped() throws {
        let f = try Self.fixture(rows: 5000)
        try f.sync("features")
        let recorded = try #require(try f.store().snapshotInfo(model: "features")?.scratch?.table)
        try f.warehouse("UPDATE features SET score = -1 WHERE id IN ('k1', 'k2')")
        // A reader of the current table holds the swap's DROP until the run is killed.
        let reader = try PGConnection(conninfo: f.warehouseURL)
        try reader.execute("BEGIN; LOCK TABLE ws_scratch.\(recorded) IN ACCESS SHARE MODE")
        let process = try Self.start(f)
        let deadline = Date().addingTimeInterval(60)
        var committed: String?
        while committed == nil && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            let current = try f.store().snapshotInfo(model: "features")?.scratch?.table
            if current != recorded { committed = current }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try reader.execute("ROLLBACK")
        let newTable = try #require(committed, "the run never committed")
        #expect(try WarehouseDiffTests.scratchTables(f) == [newTable, recorded].sorted(), "the swap was pending")
        #expect(try f.traits("k1")["score"] == "-1")
        // Nothing changed since the killed run, but its swap is pending: the rerun runs and repairs it.
        let rerun = try f.sync("features").record
        #expect(rerun.status == .succeeded, "\(rerun.error ?? "")")
        #expect(rerun.counts.traitsWritten == 0)
        #expect(try WarehouseDiffTests.scratchTables(f).count == 1)
        #expect(try f.allProfiles() == Self.cleanProfiles(f))
        // With no swap pending, an unchanged source skips again.
        #expect(try f.sync("features").record.status == .skipped)
    }

    /// 30,000 rows by default; `WS_KILL_ROWS` runs it larger by hand (docs/warehouse-diff.md).
    @Test func killedAtRandomMomentsEveryRerunEqualsACleanRun() throws {
        let rows = ProcessInfo.processInfo.environment["WS_KILL_ROWS"].flatMap { Int($0) } ?? 30000
        let f = try Self.fixture(rows: rows)
        let first = try CrashConsistencyTests.runBinary(f.directory, ["sync", "features"])
        #expect(first.status == 0)
        var runSeconds = first.seconds
        var generator = SystemRandomNumberGenerator()
        var killedMidRun = 0
        for round in 1...20 {
            try f.warehouse(
                """
                UPDATE features SET score = score + \(round) WHERE substr(md5(id || '\(round)'), 1, 2) < '05';
                DELETE FROM features WHERE substr(md5(id || 'del\(round)'), 1, 3) < '008';
                INSERT INTO features SELECT 'n\(round)_' || g, g, 'new', 1.5 FROM generate_series(1, \(rows / 600)) g;
                """)
            let delay = Double.random(in: 0.01...max(0.02, runSeconds * 0.95), using: &generator)
            if try CrashConsistencyTests.runBinary(f.directory, ["sync", "features"], killAfter: delay).status == -1 {
                killedMidRun += 1
            }
            let rerun = try CrashConsistencyTests.runBinary(f.directory, ["sync", "features"])
            #expect(rerun.status == 0, "round \(round)")
            runSeconds = rerun.seconds
            #expect(
                try f.allProfiles() == Self.cleanProfiles(f),
                "round \(round): profiles differ after a kill at \(delay)s")
            #expect(try WarehouseDiffTests.scratchTables(f).count == 1, "round \(round)")
        }
        #expect(killedMidRun >= 10, "only \(killedMidRun) of 20 runs were killed before they finished")
    }
}

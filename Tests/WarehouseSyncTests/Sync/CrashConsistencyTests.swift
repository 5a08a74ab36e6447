import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// docs/how-it-works.md: a crash at any moment leaves the store as it was before the run or after it.
/// The real binary is killed with SIGKILL at random points of runs over 100,000 rows; after each
/// kill, a rerun must leave the profiles equal to what a clean run into a fresh store gives.
@Suite(.serialized) struct CrashConsistencyTests {
    static let rows = 100_000

    /// Runs the binary; with `killAfter`, SIGKILLs it then. Returns its status (-1 if killed) and how long it ran.
    static func runBinary(_ directory: URL, _ args: [String], killAfter: Double? = nil) throws -> (
        status: Int32, seconds: Double
    ) {
        let started = Date()
        let process = Process()
        process.executableURL = try warehouseSyncBinary()
        process.arguments = ["--project", directory.path] + args
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let killAfter {
            Thread.sleep(forTimeInterval: killAfter)
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return (
            process.terminationReason == .uncaughtSignal ? -1 : process.terminationStatus,
            Date().timeIntervalSince(started)
        )
    }

    @Test(arguments: [(StoreKind.sqlite, 12), (StoreKind.postgres, 6)])
    func killedRunsLeaveTheStoreBeforeOrAfter(store: StoreKind, kills: Int) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            """
            CREATE TABLE features (id text, score int, tier text, amount numeric(12,2));
            INSERT INTO features SELECT 'k' || g, g % 1000, CASE WHEN g % 3 = 0 THEN 'gold' ELSE 'basic' END, g * 0.25
            FROM generate_series(1, \(Self.rows)) g;
            """)
        try f.model("features", "-- key: id\n-- max_removed: 100%\nSELECT id, score, tier, amount FROM features")
        let initial = try Self.runBinary(f.directory, ["sync", "features"])
        #expect(initial.status == 0)
        // Kill points are drawn from how long a run of this size takes on this machine.
        var runSeconds = initial.seconds
        var generator = SystemRandomNumberGenerator()
        var killedMidRun = 0
        for round in 1...kills {
            // Change about 5% of rows, remove some, add some: every run has real work to commit.
            try f.warehouse(
                """
                UPDATE features SET score = score + \(round) WHERE substr(md5(id || '\(round)'), 1, 2) < '0d';
                DELETE FROM features WHERE substr(md5(id || 'del\(round)'), 1, 3) < '00a';
                INSERT INTO features SELECT 'n\(round)_' || g, g, 'new', 1.5 FROM generate_series(1, 500) g;
                """)
            let delay = Double.random(in: 0.01...max(0.02, runSeconds * 0.95), using: &generator)
            if try Self.runBinary(f.directory, ["sync", "features"], killAfter: delay).status == -1 {
                killedMidRun += 1
            }
            // The killed run's lease names a dead process of this host, so the rerun takes it over.
            let rerun = try Self.runBinary(f.directory, ["sync", "features"])
            #expect(rerun.status == 0)
            runSeconds = rerun.seconds
            let clean = try SyncFixture(store: store)
            clean.reuseWarehouse(of: f)
            try clean.model(
                "features", "-- key: id\n-- max_removed: 100%\nSELECT id, score, tier, amount FROM features")
            #expect(try Self.runBinary(clean.directory, ["sync", "features"]).status == 0)
            let afterCrash = try f.allProfiles()
            let expected = try clean.allProfiles()
            #expect(afterCrash.count == expected.count, "round \(round)")
            #expect(afterCrash == expected, "round \(round): profiles differ after a kill at \(delay)s")
        }
        #expect(killedMidRun >= kills / 2, "only \(killedMidRun) of \(kills) runs were killed before they finished")
    }

    /// A first sync writes while it still reads (docs/how-it-works.md): killed at any moment, it leaves
    /// no profile and no snapshot row, or all of them; a rerun then gives what a clean run gives.
    @Test(arguments: [(StoreKind.sqlite, 6), (StoreKind.postgres, 4)])
    func killedFirstSyncsLeaveTheStoreEmptyOrComplete(store: StoreKind, kills: Int) throws {
        let warehouse = try SyncFixture(store: store)
        try warehouse.warehouse(
            """
            CREATE TABLE features (id text, score int, tier text);
            INSERT INTO features SELECT 'k' || g, g % 1000, repeat('t', 40) FROM generate_series(1, \(Self.rows)) g;
            """)
        let model = "-- key: id\nSELECT id, score, tier FROM features"
        try warehouse.model("features", model)
        let clean = try Self.runBinary(warehouse.directory, ["sync", "features"])
        #expect(clean.status == 0)
        let expected = try warehouse.allProfiles()
        var generator = SystemRandomNumberGenerator()
        var killedMidRun = 0
        for round in 1...kills {
            let f = try SyncFixture(store: store)
            f.reuseWarehouse(of: warehouse)
            try f.model("features", model)
            let delay = Double.random(in: 0.01...max(0.02, clean.seconds * 0.95), using: &generator)
            if try Self.runBinary(f.directory, ["sync", "features"], killAfter: delay).status == -1 {
                killedMidRun += 1
            }
            // Opened first: a kill before the store's first migration committed left no tables to read.
            let snapshotRows = try f.store().snapshotInfo(model: "features")?.rows ?? 0
            let afterKill = try f.allProfiles()
            #expect(
                (afterKill.isEmpty && snapshotRows == 0) || (afterKill == expected && snapshotRows == Self.rows),
                "round \(round): \(afterKill.count) profiles, \(snapshotRows) snapshot rows after a kill at \(delay)s")
            #expect(try Self.runBinary(f.directory, ["sync", "features"]).status == 0)
            #expect(try f.allProfiles() == expected, "round \(round)")
        }
        #expect(killedMidRun >= kills / 2, "only \(killedMidRun) of \(kills) runs were killed before they finished")
    }
}

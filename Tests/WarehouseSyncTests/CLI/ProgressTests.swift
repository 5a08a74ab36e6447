import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The live progress line: every phase with its rows, and once its total is known (a rerun's
/// snapshot while fetching, the change count while writing) the total, percentage and time left.
@Suite struct ProgressTests {
    @Test func theLineSaysTotalPercentAndTimeLeftOnceTheTotalIsKnown() {
        #expect(
            ProgressLine.describe(phase: "fetch", rows: 500_000, total: 1_000_000, rate: 100_000)
                == "fetch 500,000 of ~1,000,000 rows (50%), 100,000 rows/s, about 5 s left")
        #expect(
            ProgressLine.describe(phase: "fetch", rows: 1_200_000, total: 1_000_000, rate: 100_000)
                == "fetch 1,200,000 of ~1,200,000 rows (100%), 100,000 rows/s", "an estimate never below what came")
        #expect(
            ProgressLine.describe(phase: "write", rows: 4096, total: 10_000, rate: 40)
                == "write 4,096 of 10,000 changes (40%), 40 changes/s, about 3 min left")
        #expect(ProgressLine.describe(phase: "fetch", rows: 70, total: nil, rate: 35) == "fetch 70 rows, 35 rows/s")
    }

    /// A project whose model `m` reads `rows` rows of table `t` (id, v).
    func fixture(_ store: StoreKind, rows: Int) throws -> SyncFixture {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            "CREATE TABLE t (id text, v int); INSERT INTO t SELECT 'k' || g, g FROM generate_series(1, \(rows)) g")
        try f.model("m", "-- key: id\nSELECT id, v FROM t\n")
        return f
    }

    /// Every progress report of one run of `m`.
    func progress(_ f: SyncFixture, _ options: SyncOptions) throws -> [SyncProgress] {
        let seen = LockedBox<[SyncProgress]>([])
        let project = try f.project()
        _ = try SyncRunner(project: project) { p in seen.set(seen.get() + [p]) }.run(
            try #require(project.model(named: "m")), options: options)
        return seen.get()
    }

    @Test(arguments: StoreKind.allCases)
    func theWritePhaseReportsItsProgressAgainstTheChangeCount(store: StoreKind) throws {
        let f = try fixture(store, rows: 10_000)
        _ = try f.sync("m")
        try f.warehouse("UPDATE t SET v = v + 1")
        let seen = try progress(f, SyncOptions(full: true))
        let writes = seen.filter { $0.phase == "write" }
        #expect(writes.first?.rows == 0 && writes.allSatisfy { $0.total == 10_000 }, "\(writes.map(\.rows))")
        #expect(writes.map(\.rows).contains(8192), "\(writes.map(\.rows))")
        let fetches = seen.filter { $0.phase == "fetch" && $0.rows > 0 }
        #expect(fetches.allSatisfy { $0.total == 10_000 }, "a rerun's fetch expects the snapshot's rows")
    }

    /// A first sync writes while it reads (docs/how-it-works.md): once the read ends, its writes are
    /// reported against the change count too.
    @Test(arguments: StoreKind.allCases)
    func aFirstSyncsWritesAreReportedAgainstTheChangeCount(store: StoreKind) throws {
        // The store writes ten times slower than the warehouse reads: most rows are written after the read.
        let f = try fixture(store, rows: 100_000)
        let writes = try progress(f, SyncOptions()).filter { $0.phase == "write" }
        #expect(writes.contains { $0.rows > 0 }, "\(writes.map(\.rows))")
        #expect(writes.allSatisfy { $0.total == 100_000 }, "\(writes.map { "\($0.rows)/\($0.total ?? -1)" })")
    }
}

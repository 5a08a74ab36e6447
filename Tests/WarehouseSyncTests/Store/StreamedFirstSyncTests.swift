import Foundation
import TestSupport
import Testing

@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// docs/how-it-works.md: a first sync's commit begins once the first megabyte of changes is spooled, on
/// a store connection of its own, and writes each profile while the warehouse still sends the rest. It is
/// still one transaction: a run that fails or is held after its writes began leaves nothing.
@Suite(.serialized) struct StreamedFirstSyncTests {
    /// Past the diff's first progress report (65,536 rows), by when megabytes of changes were spooled.
    static let rows = 70_000

    static func fill(_ f: SyncFixture, table: String = "t") throws {
        try f.warehouse(
            """
            CREATE TABLE \(table) (id text, n int, s text);
            INSERT INTO \(table) SELECT 'k' || lpad(g::text, 6, '0'), g, repeat('x', 100)
            FROM generate_series(1, \(rows)) g;
            """)
    }

    /// Whether the store holds rows of a transaction still open: on PostgreSQL the profiles table has
    /// pages (it was empty before the run); on SQLite its log holds megabytes the run's writes spilled.
    static func writesInFlight(_ store: StoreKind, url: String) throws -> Bool {
        switch store {
        case .postgres:
            let pg = try PGConnection(conninfo: url)
            let size = try pg.execute("SELECT pg_relation_size('warehouse_sync.profiles')").text(0, 0)
            return Int(size ?? "0") ?? 0 > 0
        case .sqlite:
            let path = String(url.dropFirst("sqlite:".count)) + "-wal"
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return size >= 4 << 20
        }
    }

    /// Runs `name` and, at the diff's first progress report past 65,536 rows (the read not yet done),
    /// waits up to a minute for `writesInFlight`, then calls `act` (the read is still paused). Returns
    /// what the run did, or its error, and whether the writes were seen.
    static func syncWatchingTheStore(
        _ f: SyncFixture, _ name: String, _ options: SyncOptions = SyncOptions(),
        token: CancellationToken = CancellationToken(), act: @escaping @Sendable () -> Void = {}
    ) throws -> (outcome: Result<SyncOutcome, any Error>, seenMidRead: Bool) {
        let seen = Flag()
        let project = try f.project()
        let model = try #require(project.model(named: name))
        let (store, url) = (f.storeKind, f.storeURL)
        let runner = SyncRunner(project: project) { progress in
            guard progress.phase == "fetch", progress.rows >= 65_536, !seen.isSet else { return }
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if (try? writesInFlight(store, url: url)) == true {
                    seen.set()
                    return act()
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        return (Result { try runner.run(model, options: options, token: token) }, seen.isSet)
    }

    @Test(arguments: StoreKind.allCases)
    func theProfilesAreWrittenWhileTheRowsAreStillRead(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try Self.fill(f)
        try f.model("m", "-- key: id\nSELECT id, n, s FROM t\n")
        let (outcome, seenMidRead) = try Self.syncWatchingTheStore(f, "m")
        #expect(seenMidRead, "the store showed no write of the run before its read ended")
        let record = try outcome.get().record
        #expect(record.status == .succeeded && record.counts.added == Self.rows)
        let profiles = try f.allProfiles()
        #expect(profiles.count == Self.rows)
        #expect(profiles["k000001"] == ["n": "1", "s": "\"\(String(repeating: "x", count: 100))\""])
        // The run's record and snapshot are the final ones: a rerun finds every row unchanged.
        let stored = try #require(try f.store().runs(model: "m", limit: 1).first)
        #expect(stored.id == record.id && stored.counts.added == Self.rows && stored.status == .succeeded)
        let finished = try #require(stored.finishedAt).timeIntervalSince(try #require(record.finishedAt))
        #expect(abs(finished) < 0.001, "the stored run ends when the returned one does (to the store's microsecond)")
        #expect(try f.store().snapshotInfo(model: "m")?.rows == Self.rows)
        try f.model("m", "-- key: id\n-- skip_unchanged: false\nSELECT id, n, s FROM t\n")
        #expect(try f.sync("m").record.counts.unchanged == Self.rows)
    }

    /// Duplicate keys are found as the rows stream, and the run fails once the read is done: long after
    /// its first writes. Nothing of it stays, the failure is recorded, and the next run starts afresh.
    @Test(arguments: StoreKind.allCases)
    func aFirstSyncThatFailsAfterItsWritesBeganLeavesNothing(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try Self.fill(f)
        try f.warehouse("INSERT INTO t VALUES ('k070000', 0, 'twice')")
        try f.model("m", "-- key: id\nSELECT id, n, s FROM t\n")
        let (outcome, seenMidRead) = try Self.syncWatchingTheStore(f, "m")
        #expect(seenMidRead)
        #expect(throws: SyncError.self) { try outcome.get() }
        #expect(try f.allProfiles().isEmpty)
        #expect((try f.store().snapshotInfo(model: "m")?.rows ?? 0) == 0)
        #expect(try f.store().runs(model: "m", limit: 1).first?.status == .failed)

        try f.warehouse("DELETE FROM t WHERE s = 'twice'")
        #expect(try f.sync("m").record.counts.added == Self.rows)
        #expect(try f.allProfiles().count == Self.rows)
    }

    /// A model whose last result was empty has no snapshot rows, so its next run streams its commit;
    /// held for schema drift (a trait's type moved from integer to text) once the read is done, it leaves
    /// nothing and is recorded blocked.
    @Test(arguments: StoreKind.allCases)
    func aHeldFirstSyncLeavesNothingAndIsRecordedBlocked(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try Self.fill(f)
        try f.warehouse("CREATE TABLE empty (id text, n int, s int)")
        try f.model("m", "-- key: id\nSELECT id, n, s FROM empty\n")
        #expect(try f.sync("m").record.status == .succeeded)
        try f.model("m", "-- key: id\nSELECT id, n, s FROM t\n")
        let (outcome, seenMidRead) = try Self.syncWatchingTheStore(f, "m")
        #expect(seenMidRead)
        #expect(try outcome.get().record.status == .blocked)
        #expect(try f.allProfiles().isEmpty)
        #expect(try f.store().runs(model: "m", limit: 1).first?.status == .blocked)

        var accept = SyncOptions()
        accept.acceptSchema = true
        #expect(try f.sync("m", accept).record.counts.added == Self.rows)
    }
}

/// A flag set by one thread and read by another.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

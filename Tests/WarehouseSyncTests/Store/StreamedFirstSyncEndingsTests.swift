import Foundation
import TestSupport
import Testing

@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// docs/how-it-works.md: a first sync whose writes began and that then ends otherwise (its query fails,
/// it is cancelled, the spool's or the store's disk fills) leaves nothing of the run and is recorded as
/// a run that never wrote; a first sync of an empty result still records its shape.
@Suite(.serialized) struct StreamedFirstSyncEndingsTests {
    static func count(_ f: SyncFixture, _ table: StoreTable) throws -> Int {
        Int(try f.storeRows("SELECT count(*) FROM \(f.storeDialect.table(table))").first ?? "") ?? -1
    }

    /// Rows of the tables a run writes, by table.
    static func leftovers(_ f: SyncFixture) throws -> [String: Int] {
        var result: [String: Int] = [:]
        for table in [StoreTable.profiles, .snapshots, .changeRows, .changeAdded, .outbox, .invalidRows] {
            result[table.rawValue] = try count(f, table)
        }
        return result
    }

    @Test(arguments: StoreKind.allCases)
    func aQueryThatFailsAfterTheWritesBeganLeavesNothing(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try StreamedFirstSyncTests.fill(f)
        try f.model("m", "-- key: id\nSELECT id, n, s FROM t\n")
        let url = f.warehouseURL
        let (outcome, seen) = try StreamedFirstSyncTests.syncWatchingTheStore(f, "m") {
            _ = try? PGConnection(conninfo: url).execute(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%FROM t%'
                """)
        }
        #expect(seen)
        #expect(throws: (any Error).self) { try outcome.get() }
        let last = try f.store().runs(model: "m", limit: 1).first
        #expect(last?.status == .failed && last?.errorCode == "warehouse.connection_lost")
        let left = try Self.leftovers(f)
        #expect(left.values.allSatisfy { $0 == 0 }, "\(left)")
    }

    @Test(arguments: StoreKind.allCases)
    func aFirstSyncCancelledAfterTheWritesBeganIsSkippedAndLeavesNothing(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try StreamedFirstSyncTests.fill(f)
        try f.model("m", "-- key: id\nSELECT id, n, s FROM t\n")
        let token = CancellationToken()
        let (outcome, seen) = try StreamedFirstSyncTests.syncWatchingTheStore(f, "m", token: token) { token.cancel() }
        #expect(seen)
        #expect(throws: (any Error).self) { try outcome.get() }
        let last = try f.store().runs(model: "m", limit: 1).first
        #expect(last?.status == .skipped && last?.error == SyncRunner.cancelledReason)
        let left = try Self.leftovers(f)
        #expect(left.values.allSatisfy { $0 == 0 }, "\(left)")
    }

    /// Runs the binary with `environment` added; its exit status and stderr.
    static func runBinary(_ f: SyncFixture, _ args: [String], environment: [String: String]) throws -> (
        status: Int32, err: String
    ) {
        let process = Process()
        process.executableURL = try warehouseSyncBinary()
        process.arguments = ["--project", f.directory.path] + args
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The spool (TMPDIR) fills after its first megabytes reached the commit.
    @Test(arguments: StoreKind.allCases)
    func aFullSpoolDiskAfterTheWritesBeganLeavesNothing(store: StoreKind) throws {
        let mounted = try StoreDiskFullTests.mountSmallFileSystem(size: "3m")
        defer { StoreDiskFullTests.unmount(mounted) }
        let f = try SyncFixture(store: store)
        try StreamedFirstSyncTests.fill(f)
        try f.model("m", "-- key: id\nSELECT id, n, s FROM t\n")
        let (status, err) = try Self.runBinary(f, ["sync", "m"], environment: ["TMPDIR": mounted.path])
        #expect(status == 1)
        #expect(err.contains("No space left on device"), "\(err)")
        let last = try f.store().runs(model: "m", limit: 1).first
        #expect(last?.status == .failed && last?.errorCode == "spool.failed")
        let left = try Self.leftovers(f)
        #expect(left.values.allSatisfy { $0 == 0 }, "\(left)")
    }

    /// The SQLite store's disk fills while the first sync's commit follows its read.
    @Test func aFullStoreDiskDuringTheReadLeavesNothing() throws {
        let mounted = try StoreDiskFullTests.mountSmallFileSystem(size: "12m")
        defer { StoreDiskFullTests.unmount(mounted) }
        let f = try SyncFixture(store: .sqlite)
        try StreamedFirstSyncTests.fill(f)
        let storePath = mounted.appendingPathComponent("state.db").path
        let config = f.directory.appendingPathComponent("warehouse-sync.toml")
        try (try String(contentsOf: config, encoding: .utf8)).replacingOccurrences(
            of: f.storeURL, with: "sqlite:\(storePath)"
        ).write(to: config, atomically: true, encoding: .utf8)
        try f.model("m", "-- key: id\nSELECT id, n, s FROM t\n")
        let (status, err) = try Self.runBinary(f, ["sync", "m"], environment: [:])
        #expect(status == 1)
        #expect(err.contains("the disk is full"), "\(err)")
        let db = try SQLiteDatabase(path: storePath)
        for table in ["profiles", "ws_snapshots", "ws_change_added", "ws_outbox"] {
            let statement = try db.prepare("SELECT count(*) FROM \(table)")
            _ = try statement.step()
            #expect(statement.int64(0) == 0, "\(table)")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aFirstSyncOfAnEmptyResultRecordsItsShape(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse("CREATE TABLE e (id text, n int)")
        try f.model("m", "-- key: id\nSELECT id, n FROM e\n")
        #expect(try f.sync("m").record.status == .succeeded)
        let info = try f.store().snapshotInfo(model: "m")
        #expect(info?.traitNames == ["n"] && info?.rows == 0)
        #expect(info?.schema?.traits.map(\.name) == ["n"])
    }
}

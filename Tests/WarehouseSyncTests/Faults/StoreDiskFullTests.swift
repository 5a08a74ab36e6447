import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// A SQLite store on a real file system that is full (a small tmpfs), with its -wal file gone
/// (a clean close folded it into the store): SQLite then reports a plain I/O error, which the
/// store reports as a full disk, transient, so `serve` retries; nothing is half-written, and the
/// next run after space is freed writes the change.
@Suite(.serialized) struct StoreDiskFullTests {
    /// Mounts a tmpfs of `size` (4 MB unless given) on a new directory; the tests run as root (CI and
    /// the test script do).
    static func mountSmallFileSystem(size: String = "4m") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-full-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", directory.path]
        try mount.run()
        mount.waitUntilExit()
        try #require(mount.terminationStatus == 0, "mounting a tmpfs needs root, as the test script runs")
        return directory
    }

    static func unmount(_ directory: URL) {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = [directory.path]
        try? umount.run()
        umount.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes zeros to a file in `directory` until the file system says it is full.
    static func fill(_ directory: URL) {
        let fd = open(directory.appendingPathComponent("filler").path, O_WRONLY | O_CREAT, 0o600)
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 4096)
        while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    @Test func aFullDiskWithTheLogFileGoneIsReportedAsAFullDiskAndIsTransient() async throws {
        let mounted = try Self.mountSmallFileSystem()
        defer { Self.unmount(mounted) }
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1), ('b', 2)")
        let storePath = mounted.appendingPathComponent("state.db").path
        try f.writeConfig()
        let config = f.directory.appendingPathComponent("warehouse-sync.toml")
        try (try String(contentsOf: config, encoding: .utf8)).replacingOccurrences(
            of: f.storeURL, with: "sqlite:\(storePath)"
        )
        .write(to: config, atomically: true, encoding: .utf8)
        try f.model("m", "-- key: id\nSELECT id, v FROM t\n")
        #expect(await runCLI(["sync", "m"], in: f.directory).status == 0)
        // The last connection's close folds the log into the store and deletes it.
        do {
            let db = try SQLiteDatabase(path: storePath)
            try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        #expect(!FileManager.default.fileExists(atPath: storePath + "-wal"))
        Self.fill(mounted)
        try f.warehouse("UPDATE t SET v = 10 WHERE id = 'a'")

        let failed = await runCLI(["sync", "m"], in: f.directory)
        #expect(failed.status == 1)
        #expect(failed.err.contains("the disk is full"), "\(failed.err)")
        #expect(failed.err.contains("free space on the store's disk"), "\(failed.err)")
        #expect(!failed.err.contains("must name a SQLite store file"), "no hint about a wrong path: \(failed.err)")
        let project = try f.project()
        let error = #expect(throws: StoreError.self) {
            try SyncRunner(project: project).run(try #require(project.model(named: "m")), options: SyncOptions())
        }
        #expect(error?.isTransient == true, "serve retries: \(String(describing: error))")

        try FileManager.default.removeItem(at: mounted.appendingPathComponent("filler"))
        #expect(await runCLI(["sync", "m"], in: f.directory).status == 0)
        let profile = await runCLI(["profile", "a", "--json"], in: f.directory)
        #expect(profile.out.contains("\"v\":10"), "\(profile.out)")
    }

    /// How many profiles of the fixture's SQLite store hold the trait `v`.
    static func profilesWithTraits(_ f: SyncFixture) throws -> Int64 {
        let db = try SQLiteDatabase(path: String(f.storeURL.dropFirst("sqlite:".count)))
        db.setCheckpointOnClose(false)
        let count = try db.prepare("SELECT count(*) FROM profiles WHERE json_extract(traits, '$.v') IS NOT NULL")
        _ = try count.step()
        return count.int64(0)
    }

    /// A statement that changes more pages than SQLite keeps in memory to undo it alone moves that
    /// record to a file in its temporary directory (`SQLITE_TMPDIR`): when that disk is full, the
    /// store's own disk may have room, so the hint names both; nothing is written, and a run with room
    /// for it removes the rows.
    @Test func aFullTemporaryDirectoryIsNamedInTheHintAndLosesNothing() throws {
        let mounted = try Self.mountSmallFileSystem()
        defer { Self.unmount(mounted) }
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        // Rows of 1.5 KB: removing 2,500 of them in one statement changes far more than 120 KiB of pages.
        try f.warehouse(
            "CREATE TABLE t AS WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 3000) "
                + "SELECT printf('u%05d', n) AS id, n AS v, hex(zeroblob(750)) AS note FROM g")
        try f.model("m", "-- key: id\n-- max_removed: 100%\nSELECT id, v, note FROM t\n")
        #expect(try ToolProcess(project: f.directory, ["sync", "m"]).wait(timeout: 120) == 0)
        Self.fill(mounted)
        try f.warehouse("DELETE FROM t WHERE v > 500")
        var environment = ProcessInfo.processInfo.environment
        environment["SQLITE_TMPDIR"] = mounted.path
        let failed = try ToolProcess(project: f.directory, ["sync", "m"], environment: environment)
        #expect(failed.wait(timeout: 120) == 1)
        #expect(failed.stderr.contains("the disk is full"), "\(failed.stderr)")
        #expect(failed.stderr.contains("SQLITE_TMPDIR"), "the hint names the temporary directory: \(failed.stderr)")
        #expect(try Self.profilesWithTraits(f) == 3000, "the failed run removed nothing")

        // The removal's record is megabytes, more than the small file system holds even when empty.
        let freed = try ToolProcess(project: f.directory, ["sync", "m"])
        #expect(freed.wait(timeout: 120) == 0, "\(freed.stderr)")
        #expect(try Self.profilesWithTraits(f) == 500)
    }
}

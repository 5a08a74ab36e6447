import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// Commands that only read the store neither migrate it nor take its write lock: they work beside
/// a long commit and on a store file its reader cannot write.
@Suite struct ReadOnlyStoreTests {
    static func syncedProject() async throws -> SyncFixture {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\n-- schedule: hourly\nSELECT id, v FROM t")
        #expect(await runCLI(["sync", "m"], in: f.directory).status == 0)
        return f
    }

    @Test func readingCommandsWorkWhileAnotherConnectionHoldsTheWriteLock() async throws {
        let f = try await Self.syncedProject()
        let blocker = try SQLiteDatabase(path: String(f.storeURL.dropFirst("sqlite:".count)))
        try blocker.execute("BEGIN IMMEDIATE")
        defer { try? blocker.execute("ROLLBACK") }
        let started = ContinuousClock.now
        for command in [["runs"], ["status"], ["profile", "a"], ["plan", "m"]] {
            let result = await runCLI(command, in: f.directory)
            #expect(result.status == 0, "\(command): \(result.out)\(result.err)")
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func readingCommandsWorkOnAStoreFileTheirUserCannotWrite() async throws {
        let f = try await Self.syncedProject()
        let store = String(f.storeURL.dropFirst("sqlite:".count))
        for file in [store, store + "-wal", store + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect(chown(file, 65534, 65534) == 0)
            #expect(chmod(file, 0o444) == 0)
        }
        for command in [["runs"], ["status"], ["profile", "a"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments =
                [
                    "--reuid=65534", "--regid=65534", "--clear-groups", try warehouseSyncBinary().path,
                    "--project", f.directory.path,
                ] + command
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(command): \(out)\(err)")
            #expect(out.contains(command == ["profile", "a"] ? "v" : "m"), "\(command): \(out)")
        }
    }
}

@Suite struct ConcurrentOpenTests {
    /// Several connections opening one brand-new store at once (a run, its lease keeper and a
    /// reader) all succeed: the switch to WAL mode and the first migration wait for each other.
    @Test func connectionsOpeningANewStoreAtOnceAllSucceed() throws {
        for _ in 0..<20 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "ws-open-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("state.db").path
            let failures = LockedBox<[String]>([])
            let group = DispatchGroup()
            for _ in 0..<6 {
                group.enter()
                Thread {
                    do { _ = try SQLiteStore(path: path) } catch { failures.set(failures.get() + ["\(error)"]) }
                    group.leave()
                }.start()
            }
            group.wait()
            #expect(failures.get().isEmpty, "\(failures.get())")
        }
    }
}

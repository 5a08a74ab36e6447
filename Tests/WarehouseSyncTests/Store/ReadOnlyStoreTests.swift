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
        for command in [["runs"], ["status"], ["profile", "a"], ["plan", "m"]] {
            let result = await runCLI(command, in: f.directory)
            #expect(result.status == 0, "\(command): \(result.out)\(result.err)")
            // The blocker still holds the lock after each command: none of them waited it out.
            #expect(!blocker.isAutocommit, "\(command) ran while the write lock was held")
            #expect(Self.writeLockIsTaken(at: f.storeURL), "\(command)")
        }
    }

    /// Whether another connection holds the store's write lock: a third one cannot begin a write.
    static func writeLockIsTaken(at storeURL: String) -> Bool {
        guard let probe = try? SQLiteDatabase(path: String(storeURL.dropFirst("sqlite:".count))) else { return false }
        do {
            try probe.execute("PRAGMA busy_timeout = 0; BEGIN IMMEDIATE")
            try? probe.execute("ROLLBACK")
            return false
        } catch {
            return true
        }
    }

    /// The store file read-only with its log and shared-memory files beside it, or (after a
    /// checkpoint by another tool removed them) alone in a directory its reader cannot write.
    @Test(arguments: [false, true])
    func readingCommandsWorkOnAStoreFileTheirUserCannotWrite(withoutLog: Bool) async throws {
        let f = try await Self.syncedProject()
        let store = String(f.storeURL.dropFirst("sqlite:".count))
        if withoutLog {
            let db = try SQLiteDatabase(path: store)
            try db.execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE; PRAGMA journal_mode = WAL")
        }
        for file in [store, store + "-wal", store + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect(chown(file, 65534, 65534) == 0)
            #expect(chmod(file, 0o444) == 0)
        }
        if withoutLog {
            #expect(!FileManager.default.fileExists(atPath: store + "-wal"))
            #expect(chmod((store as NSString).deletingLastPathComponent, 0o555) == 0)
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

    /// A file that is not a WarehouseSync store (a warehouse, a text file) named as the store is
    /// refused and left exactly as it was: no tables, no journal mode, no file mode change.
    @Test(arguments: ["sqlite", "text"])
    func aFileThatIsNotAStoreIsRefusedUntouched(kind: String) async throws {
        let f = try await Self.syncedProject()
        let path = f.directory.appendingPathComponent("not-a-store.db").path
        if kind == "sqlite" {
            let db = try SQLiteDatabase(path: path, create: true)
            try db.execute("CREATE TABLE orders (id INTEGER)")
        } else {
            try "just notes\n".write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(chmod(path, 0o644) == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let config = f.directory.appendingPathComponent("warehouse-sync.toml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try text.replacingOccurrences(of: f.storeURL, with: "sqlite:not-a-store.db")
            .write(to: config, atomically: true, encoding: .utf8)
        for command in [["runs"], ["sync", "m"]] {
            let result = await runCLI(command, in: f.directory)
            #expect(result.status != 0)
            #expect(result.err.contains("not a WarehouseSync store"), "\(command): \(result.err)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o644)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func aDirectoryNamedAsTheStoreIsAPermanentFileError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let location = StoreLocation(url: Secret("sqlite:\(directory.path)"), projectDirectory: directory)
        let error = #expect(throws: StoreError.self) { try location.open() }
        #expect(error?.code == .file)
        #expect(error?.isTransient == false)
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

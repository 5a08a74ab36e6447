import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// Files the product creates are its owner's (the metrics file also its group's), and no planted
/// symlink is followed.
@Suite struct FileModeTests {
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func theStoreItsLogAndItsDirectoryAreTheOwnersOnly() async throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1)")
        let directory = f.directory.appendingPathComponent(".warehouse-sync")
        try "[sources.wh]\nkind = \"sqlite\"\npath = \"warehouse.db\"\n"
            .write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        try f.model("m", "-- key: id\nSELECT id, v FROM t")
        // The binary, as a user runs it (the test process's umask is its caller's, typically 022).
        let sync = try ToolProcess(project: f.directory, ["sync", "m"])
        #expect(sync.wait(timeout: 60) == 0, "\(sync.stderr)")
        #expect(try Self.mode(directory.path) == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.contains("state.db"))
        for file in files {
            #expect(try Self.mode(directory.appendingPathComponent(file).path) == 0o600, "\(file)")
        }
        // In process too (the tests' own umask is 022): the store file is created 0600 explicitly.
        let inProcess = f.directory.appendingPathComponent("other/state.db").path
        _ = try SQLiteStore(path: inProcess)
        #expect(try Self.mode(inProcess) == 0o600)
    }

    @Test func theMetricsFileIsGroupReadableAndReplacesAPlantedSymlinkWithoutFollowingIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-modes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let victim = directory.appendingPathComponent("victim.txt").path
        try "precious".write(toFile: victim, atomically: true, encoding: .utf8)
        let metricsPath = directory.appendingPathComponent("ws.prom").path
        try FileManager.default.createSymbolicLink(atPath: metricsPath, withDestinationPath: victim)
        // The name the previous version used for its temporary file, planted too.
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent(".ws.prom.\(getpid()).tmp").path,
            withDestinationPath: victim)
        var metrics = MetricsFile(path: metricsPath)
        metrics.record(
            RunRecord(id: "r1", model: "m", source: "wh", trigger: .manual, status: .succeeded, startedAt: Date()))
        try metrics.write()
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
        let attributes = try FileManager.default.attributesOfItem(atPath: metricsPath)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect(try Self.mode(metricsPath) == 0o640)
        #expect(
            try String(contentsOfFile: metricsPath, encoding: .utf8).contains("warehouse_sync_runs_total{model=\"m\""))
        // No temporary file is left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix(".ws.prom.") && !$0.hasSuffix(".tmp")
        }
        #expect(left.isEmpty)
    }

    @Test func theChangeSpoolIsTheOwnersOnlyAndUnlinked() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-spool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try ChangeSpool(directory: directory)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        _ = spool
    }

    @Test func theStoreIsNeverOpenedThroughASymlinkAndALooseModeIsTightened() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-link-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("elsewhere.db").path
        let link = directory.appendingPathComponent("state.db").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let error = #expect(throws: StoreError.self) { try SQLiteStore(path: link) }
        #expect(error?.message.contains("is a symbolic link") == true)
        #expect(!FileManager.default.fileExists(atPath: target))
        // A store file left world-readable (an earlier version, or planted) is made the owner's.
        let loose = directory.appendingPathComponent("loose.db").path
        #expect(FileManager.default.createFile(atPath: loose, contents: nil, attributes: [.posixPermissions: 0o644]))
        _ = try SQLiteStore(path: loose)
        #expect(try Self.mode(loose) == 0o600)
    }
}

import Connectors
import Drivers
import Foundation
import SyncCore

/// The `warehouse-sync` executable built beside the test bundle.
public func warehouseSyncBinary() throws -> URL {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("warehouse-sync")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    struct NotBuilt: Error, CustomStringConvertible {
        var description: String { "warehouse-sync is not built beside the tests: run swift build --build-tests" }
    }
    throw NotBuilt()
}

/// A `warehouse-sync` process of a test, with its stdout and stderr collected in files.
public final class ToolProcess: @unchecked Sendable {
    public let process = Process()
    public let stderrURL: URL
    public let stdoutURL: URL

    public init(project: URL, _ args: [String], environment: [String: String]? = nil) throws {
        stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("ws-stderr-\(UUID().uuidString)")
        stdoutURL = FileManager.default.temporaryDirectory.appendingPathComponent("ws-stdout-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        process.executableURL = try warehouseSyncBinary()
        process.arguments = ["--project", project.path] + args
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the exit; nil if it has not exited within `timeout`.
    public func wait(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { return nil }
        return process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: stderrURL)
        try? FileManager.default.removeItem(at: stdoutURL)
    }
}

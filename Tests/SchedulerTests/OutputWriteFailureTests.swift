import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import SyncCore
@testable import WarehouseSync

/// A write to stdout or stderr that fails (a full disk: /dev/full; a reader that went away: a
/// closed pipe) is never fatal: a command whose report is lost exits 1, and `serve` goes on
/// scheduling and counts the log lines it lost.
@Suite(.serialized) struct OutputWriteFailureTests {
    /// A project over a SQLite warehouse and store with one model `m`, synced every second when
    /// `scheduled`, and a token-less `[server]` on a free port.
    static func project(scheduled: Bool) throws -> URL {
        let schedule = scheduled ? "-- schedule: every 1s\n-- skip_unchanged: false\n" : ""
        return try sqliteServeProject(
            warehouseSQL: "CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1), ('b', 2)",
            models: ["m": "-- key: id\n\(schedule)SELECT id, v FROM t\n"])
    }

    /// Runs the tool with the given stdout and stderr to its end: its exit status.
    static func run(_ directory: URL, _ args: [String], stdout: Any, stderr: Any) throws -> Int32 {
        let process = Process()
        process.executableURL = try warehouseSyncBinary()
        process.arguments = ["--project", directory.path] + args
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
    }

    @Test func aConsoleWriteToAFullDiskIsCountedNotFatal() throws {
        let full = open("/dev/full", O_WRONLY)
        #expect(full >= 0)
        defer { close(full) }
        let console = Console(outDescriptor: full, errDescriptor: full, isTerminal: false)
        console.print("a result")
        console.error("a log line")
        console.error("another")
        #expect(console.lostOutputWrites == 1 && console.lostErrorLines == 2)
        #expect(console.firstWriteError.contains("No space left"), "\(console.firstWriteError)")
    }

    @Test func aCommandWhoseOutputGoesToAFullDiskExitsOneAndSaysSo() throws {
        let directory = try Self.project(scheduled: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("err.txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        #expect(try Self.run(directory, ["sync", "m"], stdout: full, stderr: try FileHandle(forWritingTo: log)) == 1)
        let said = try String(contentsOf: log, encoding: .utf8)
        #expect(said.contains("output could not be written (No space left on device)"), "\(said)")
        // The run itself is whole: a second sync finds nothing to change.
        let again = Pipe()
        #expect(try Self.run(directory, ["sync", "m", "--json"], stdout: again, stderr: FileHandle.nullDevice) == 0)
        let report = String(decoding: again.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(report.contains("\"added\" : 0") && report.contains("\"unchanged\" : 2"), "\(report)")
    }

    @Test func aCommandWhoseReaderWentAwayExitsOneInsteadOfDying() throws {
        let directory = try Self.project(scheduled: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(
            try Self.run(directory, ["sync", "m"], stdout: FileHandle.nullDevice, stderr: FileHandle.nullDevice) == 0)
        let closed = Pipe()
        try closed.fileHandleForReading.close()
        #expect(try Self.run(directory, ["runs"], stdout: closed, stderr: FileHandle.nullDevice) == 1)
    }

    @Test func serveWithItsLogOnAFullDiskKeepsSchedulingAndCountsTheLostLines() throws {
        let directory = try Self.project(scheduled: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = try Self.serve(
            directory, stdout: try #require(FileHandle(forWritingAtPath: "/dev/full")),
            stderr: try #require(FileHandle(forWritingAtPath: "/dev/full")))
        defer {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        func succeededRuns() -> Int { Self.succeededRuns(in: directory) }
        #expect(try ServeProcessTests.waitFor(60) { succeededRuns() >= 3 }, "serve went on running the model")
        #expect(process.isRunning, "serve is alive after \(succeededRuns()) runs with every log line lost")
        // The port is in the log nobody could write: find it from the process's listening socket.
        let port = try #require(Self.listeningPort(of: process.processIdentifier))
        let metrics = try ServeAPITests.curl("http://127.0.0.1:\(port)/metrics", token: nil)
        let line = metrics.1.split(separator: "\n").first { $0.hasPrefix("warehouse_sync_log_write_errors_total ") }
        let lost = line.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        #expect(lost >= 3, "\(metrics.1)")
        // Its address line on stdout was lost too, and that is no failure of serve's.
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// A reader that stops reading: stderr is a pipe (shrunk to one page) that nobody reads. serve
    /// goes on running its model, answers /healthz, counts the lines it could not write, and stops
    /// on SIGTERM within its deadline.
    @Test func serveWithALogReaderThatStoppedReadingKeepsScheduling() throws {
        let directory = try Self.project(scheduled: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stalled = Pipe()
        _ = fcntl(stalled.fileHandleForWriting.fileDescriptor, 1031, 4096)  // F_SETPIPE_SZ: one page
        let process = try Self.serve(directory, stdout: FileHandle.nullDevice, stderr: stalled)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        func succeededRuns() -> Int { Self.succeededRuns(in: directory) }
        // Each run logs two lines of some 400 bytes: the page is full after a few runs.
        #expect(try ServeProcessTests.waitFor(90) { succeededRuns() >= 20 }, "serve went on running the model")
        let port = try #require(Self.listeningPort(of: process.processIdentifier))
        let health = try ServeAPITests.curl("http://127.0.0.1:\(port)/healthz", token: nil)
        #expect(health.0 == 200, "\(health)")
        let metrics = try ServeAPITests.curl("http://127.0.0.1:\(port)/metrics", token: nil).1
        #expect(metrics.contains("warehouse_sync_log_write_errors_total "), "\(metrics)")
        let signalled = Date()
        kill(process.processIdentifier, SIGTERM)
        #expect(try ServeProcessTests.waitFor(30) { !process.isRunning }, "serve stopped on SIGTERM")
        #expect(Date().timeIntervalSince(signalled) < 30)
    }

    /// The succeeded runs the project's SQLite store has recorded (0 while it cannot be read).
    static func succeededRuns(in directory: URL) -> Int {
        let store = directory.appendingPathComponent("state.db").path
        guard let db = try? SQLiteDatabase(path: store, readOnly: true),
            let count = try? db.prepare("SELECT count(*) FROM ws_runs WHERE status = 'succeeded'"),
            (try? count.step()) == true
        else { return 0 }
        return Int(count.int64(0))
    }

    /// Starts `serve` on the project with the given stdout and stderr.
    static func serve(_ directory: URL, stdout: Any, stderr: Any) throws -> Process {
        let process = Process()
        process.executableURL = try warehouseSyncBinary()
        process.arguments = ["--project", directory.path, "serve"]
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        return process
    }

    /// The TCP port a process listens on, from /proc/net/tcp and the process's socket inodes.
    static func listeningPort(of pid: Int32) -> Int? {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        let inodes = Set(
            fds.compactMap { fd -> String? in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                    target.hasPrefix("socket:[")
                else { return nil }
                return String(target.dropFirst("socket:[".count).dropLast())
            })
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for row in text.split(separator: "\n").dropFirst() {
                let fields = row.split(separator: " ")
                // st 0A is LISTEN; the local address is HEX_IP:HEX_PORT.
                guard fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])),
                    let port = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) })
                else { continue }
                return port
            }
        }
        return nil
    }
}

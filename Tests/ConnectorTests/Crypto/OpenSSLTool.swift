import Foundation

/// The `openssl` command-line tool, as the independent reference the tests check libcrypto calls against.
enum OpenSSLTool {
    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Runs `openssl arguments...` in `directory` with `environment` added (e.g. a passphrase for `env:NAME`).
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Output {
        try launch("/usr/bin/env", ["openssl"] + arguments, in: directory, environment: environment)
    }

    /// Runs the `/bin/sh` pipeline `command` in `directory` with `environment` added.
    static func shell(_ command: String, in directory: URL, environment: [String: String] = [:]) throws -> Output {
        try launch("/bin/sh", ["-c", command], in: directory, environment: environment)
    }

    /// Like `run`, but fails with the tool's standard error unless it exits 0.
    @discardableResult
    static func check(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Output {
        let output = try run(arguments, in: directory, environment: environment)
        guard output.status == 0 else { throw Failure(command: arguments.joined(separator: " "), output.stderr) }
        return output
    }

    struct Failure: Error, CustomStringConvertible {
        var command: String
        var stderr: String
        init(command: String, _ stderr: String) {
            self.command = command
            self.stderr = stderr
        }
        var description: String { "openssl \(command) failed: \(stderr)" }
    }

    /// A new empty directory under the system's temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crypto-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private static func launch(
        _ executable: String, _ arguments: [String], in directory: URL, environment: [String: String]
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe()
        let stderr = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: stderr) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, stdout: data, stderr: errors)
    }
}

import Foundation

/// dbt-core with dbt-postgres in the virtualenv `scripts/dbt.sh install` makes; `scripts/test.sh`
/// exports its `dbt` executable as `WS_TEST_DBT`. Runs the fixture dbt project
/// (`Tests/Fixtures/dbt/shop`) against the throwaway PostgreSQL.
public enum TestDbt {
    public struct NotInstalled: Error, CustomStringConvertible {
        public var description: String {
            "no dbt: run the tests with scripts/test.sh (it makes the dbt virtualenv with scripts/dbt.sh install "
                + "and sets WS_TEST_DBT)"
        }
    }

    /// Whether the dbt suites run: when the test script set `WS_TEST_DBT`, and always under `CI=true`,
    /// where a missing dbt then fails them instead of skipping them.
    public static var enabled: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["WS_TEST_DBT"] != nil || environment["CI"] == "true"
    }

    /// The `dbt` executable.
    public static func executable() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["WS_TEST_DBT"],
            FileManager.default.isExecutableFile(atPath: path)
        else { throw NotInstalled() }
        return path
    }

    /// The fixture dbt project in the repository.
    public static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/dbt/shop")

    /// Copies the fixture dbt project to `directory` (which must not exist).
    public static func copyFixture(to directory: URL) throws {
        try FileManager.default.copyItem(at: fixture, to: directory)
    }

    /// What one dbt command did.
    public struct Result {
        public var status: Int32
        public var output: String
    }

    /// Runs `dbt ARGS` in the dbt project `directory`, its profile reading the throwaway PostgreSQL's
    /// database `database`.
    public static func run(_ args: [String], in directory: URL, database: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = args
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["WS_DBT_PGHOST"] = try TestPostgres.socketDirectory()
        environment["WS_DBT_PGPORT"] = try TestPostgres.port()
        environment["WS_DBT_PGDATABASE"] = database
        environment["DBT_PROFILES_DIR"] = directory.path
        environment["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        environment["DBT_USE_COLORS"] = "false"
        process.environment = environment
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("dbt-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        return Result(
            status: process.terminationStatus, output: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}

import Drivers
import Foundation

/// The Snowflake SQL API emulator (snowduck) that `scripts/test.sh` starts for the test run
/// (`scripts/emulators.sh start snowflake`), at the URL in `WS_TEST_SNOWFLAKE_URL`.
public enum TestSnowflake {
    public struct NotRunning: Error, CustomStringConvertible {
        public var description: String {
            "no Snowflake emulator: run the tests with scripts/test.sh (it starts snowduck and sets "
                + "WS_TEST_SNOWFLAKE_URL)"
        }
    }

    /// Whether the emulator's suites run: when the test script started it, and always under `CI=true`,
    /// where a missing emulator then fails them instead of skipping them.
    public static var enabled: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["WS_TEST_SNOWFLAKE_URL"] != nil || environment["CI"] == "true"
    }

    /// The emulator's base URL, `http://127.0.0.1:PORT`.
    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["WS_TEST_SNOWFLAKE_URL"] else { throw NotRunning() }
        return url
    }

    /// A statement's answer: its HTTP status and JSON body.
    public static func run(_ sql: String, database: String? = nil) throws -> (status: Int, json: [String: Any]) {
        var body: [String: String] = ["statement": sql]
        if let database {
            body["database"] = database
            body["schema"] = "PUBLIC"
        }
        let response = try HTTPClient().send(
            try HTTPClientRequest.postJSON(
                URL(string: try url() + "/api/v2/statements")!, json: body, timeout: .seconds(120)))
        let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        return (response.status, json)
    }

    /// Runs `sql`, failing with its message unless it succeeds.
    public static func execute(_ sql: String, database: String? = nil) throws {
        let answer = try run(sql, database: database)
        guard answer.status == 200 else {
            struct Failed: Error, CustomStringConvertible { var description: String }
            throw Failed(description: "\(sql): HTTP \(answer.status) \(answer.json["message"] ?? "")")
        }
    }

    /// Creates a database of its own (with schema PUBLIC) for one test and returns its name.
    public static func freshDatabase(_ prefix: String = "T") throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8))".uppercased().replacingOccurrences(of: "-", with: "_")
        try execute("CREATE DATABASE \(name)")
        try execute("CREATE SCHEMA IF NOT EXISTS \(name).PUBLIC")
        return name
    }

    /// The emulator's query history (snowduck's `GET /api/v2/query-history`): each statement's text and status.
    public static func history() throws -> [(sql: String, status: String)] {
        let response = try HTTPClient().send(
            HTTPClientRequest(url: URL(string: try url() + "/api/v2/query-history")!, timeout: .seconds(60)))
        let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        let queries = json?["queries"] as? [[String: Any]] ?? []
        return queries.map { (($0["sqlText"] as? String) ?? "", ($0["status"] as? String) ?? "") }
    }
}

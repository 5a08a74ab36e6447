import Drivers
import Foundation

/// The BigQuery REST emulator (bqemulator) that `scripts/test.sh` starts for the test run
/// (`scripts/emulators.sh start bigquery`), at the URL in `WS_TEST_BIGQUERY_URL`, project `test-project`.
public enum TestBigQuery {
    public struct NotRunning: Error, CustomStringConvertible {
        public var description: String {
            "no BigQuery emulator: run the tests with scripts/test.sh (it starts bqemulator and sets "
                + "WS_TEST_BIGQUERY_URL)"
        }
    }

    struct Failed: Error, CustomStringConvertible { var description: String }

    /// The emulator's project (`scripts/emulators.sh`' default).
    public static let project = "test-project"

    /// Whether the emulator's suites run: when the test script started it, and always under `CI=true`,
    /// where a missing emulator then fails them instead of skipping them.
    public static var enabled: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["WS_TEST_BIGQUERY_URL"] != nil || environment["CI"] == "true"
    }

    /// The emulator's base URL, `http://127.0.0.1:PORT`.
    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["WS_TEST_BIGQUERY_URL"] else { throw NotRunning() }
        return url
    }

    /// A request to the project's REST path `path` (`/datasets`, `/queries`): its status and JSON body.
    public static func request(_ method: String, _ path: String, json: [String: Any]? = nil) throws
        -> (status: Int, json: [String: Any])
    {
        let url = URL(string: try url() + "/bigquery/v2/projects/\(project)" + path)!
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        let response = try HTTPClient().send(
            HTTPClientRequest(
                method: method, url: url, headers: [("Content-Type", "application/json")], body: body,
                timeout: .seconds(120)))
        return (response.status, (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:])
    }

    /// Runs `sql` (tables named with their dataset) through jobs.query, failing with its error unless it succeeds.
    public static func execute(_ sql: String) throws {
        let answer = try request("POST", "/queries", json: ["query": sql, "useLegacySql": false])
        if answer.status != 200 || answer.json["errors"] != nil {
            throw Failed(description: "\(sql): HTTP \(answer.status) \(answer.json["errors"] ?? answer.json)")
        }
    }

    /// Creates a dataset of its own for one test and returns its name.
    public static func freshDataset(_ prefix: String = "t") throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8))".lowercased().replacingOccurrences(of: "-", with: "_")
        let answer = try request(
            "POST", "/datasets", json: ["datasetReference": ["projectId": project, "datasetId": name]])
        guard answer.status == 200 else { throw Failed(description: "datasets.insert \(name): \(answer.json)") }
        return name
    }
}

import Foundation
import TestSupport

@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// A throwaway project whose source is the BigQuery emulator over the REST API (a dataset of its own and
/// a scratch dataset, an access token from the environment) and whose store is a SQLite file.
final class BigQueryProject: EmulatorProject {
    let directory: URL
    /// The test's dataset: models and `warehouse` name its tables `DATASET.table`.
    let dataset: String
    /// The secrets of the source, from the environment as a project would take them.
    var environment = ["BQ_TOKEN": "ya29.bq-Tok3n-5e8a1d"]

    /// - Parameters:
    ///   - auth: the source's auth setting.
    ///   - defaultDataset: whether the source names the test's dataset as its `dataset` (bqemulator then
    ///     qualifies temporary tables with it, so a diff inside the warehouse runs without it).
    init(auth: String = "token = \"${BQ_TOKEN}\"", defaultDataset: Bool = false) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-bq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
        dataset = try TestBigQuery.freshDataset("ws")
        let scratch = try TestBigQuery.freshDataset("ws_scratch")
        try """
        [store]
        url = "sqlite:state.db"

        [sources.bq]
        kind = "bigquery"
        project = "\(TestBigQuery.project)"
        api_url = "\(try TestBigQuery.url())"
        \(auth)
        location = "us"
        \(defaultDataset ? "dataset = \"\(dataset)\"" : "")
        scratch_schema = "\(scratch)"
        statistics_lag = "0s"
        """.write(to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
    }

    /// Runs SQL on the emulator; `DS` in it names the test's dataset.
    func warehouse(_ sql: String) throws {
        try TestBigQuery.execute(sql.replacingOccurrences(of: "DS.", with: "\(dataset)."))
    }

    var customersTable: String { "\(dataset).customers" }

    /// Recreates the table (bqemulator moves a table's `lastModifiedTime` only then, BigQuery after DML too).
    func replaceCustomers(_ rows: String) throws {
        let selects = rows.split(separator: "(").map { row in
            let cells = row.split(separator: ")")[0].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let text = { (cell: String) in cell == "NULL" ? "CAST(NULL AS STRING)" : cell }
            return "SELECT \(text(cells[0])) AS user_id, CAST(\(cells[1]) AS NUMERIC) AS ltv, \(text(cells[2])) AS risk"
        }
        try warehouse("CREATE OR REPLACE TABLE DS.customers AS " + selects.joined(separator: " UNION ALL "))
    }

    func dropRiskColumn() throws {
        try warehouse("CREATE OR REPLACE TABLE DS.customers AS SELECT user_id, ltv FROM DS.customers")
    }

    /// Writes model `name`; `DS` in its text names the test's dataset.
    func model(_ name: String, _ text: String) throws {
        try ("-- source: bq\n" + text.replacingOccurrences(of: "DS.", with: "\(dataset).")).write(
            to: directory.appendingPathComponent("models/\(name).sql"), atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

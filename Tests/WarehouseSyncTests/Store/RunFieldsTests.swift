import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// A run's fields are listed once (`RunRecord.fields`): both stores' columns, their round trip,
/// `runs --json` and the event log all follow that list, and the two stores' schemas match.
@Suite struct RunFieldsTests {
    @Test(arguments: StoreKind.allCases)
    func everyRunFieldReachesTheStoreTheJSONAndTheEventLog(store: StoreKind) async throws {
        let f = try SyncFixture(store: store)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\nSELECT id, v FROM t")
        let sync = await runCLI(["sync", "m"], in: f.directory)
        #expect(sync.status == 0)
        let event = try #require(sync.err.split(separator: "\n").first { $0.contains("\"event\":\"run_finished\"") })
        let runs = await runCLI(["runs", "--json"], in: f.directory)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(runs.out.utf8)) as? [String: [[String: Any]]])
        let json = try #require(document["runs"]?.first)
        for field in RunRecord.fields {
            #expect(json.keys.contains(field.name), "runs --json lacks \(field.name)")
            // A succeeded run has no error and no error code, and a model without dbt references reads
            // nothing through them; the log leaves out what is null.
            if field.kind == .text || field.kind == .integer, !["error", "error_code", "reads"].contains(field.name) {
                #expect(
                    event.contains("\"\(field.name == "id" ? "run" : field.name)\":"),
                    "the event log lacks \(field.name)")
            }
        }
        // Every field survives the store.
        var record = RunRecord(
            id: "r-\(UUID())", model: "m", source: "wh", trigger: .retry, status: .blocked,
            startedAt: Date(timeIntervalSince1970: 1_800_000_000.5))
        record.finishedAt = Date(timeIntervalSince1970: 1_800_000_002.25)
        record.counts = DiffCounts(
            rowsRead: 9, invalid: 1, added: 2, changed: 3, removed: 4, unchanged: 5, traitsWritten: 6)
        record.queryMs = 7
        record.fetchMs = 8
        record.bytesReceived = 10
        record.cost = ["planner_total_cost": 12.5]
        record.error = "held"
        record.errorCode = RunRecord.Codes.held
        record.reads = "{{ ref('customer_ltv') }} reads \"analytics\".\"marts\".\"customer_ltv\""
        try f.store().record(record)
        let read = try #require(try f.store().runs(model: "m", limit: 10).first { $0.id == record.id })
        for field in RunRecord.fields {
            #expect(field.get(read) == field.get(record), "\(field.name): \(field.get(read)) ≠ \(field.get(record))")
        }
    }

    @Test func bothStoresHaveTheSameTablesAndColumns() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-schema-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlitePath = directory.appendingPathComponent("state.db").path
        _ = try SQLiteStore(path: sqlitePath)
        let sqlite = try SQLiteDatabase(path: sqlitePath)
        var sqliteColumns: [String: Set<String>] = [:]
        // Tables and views (the change log and profile_traits are views on both stores).
        let tables = try sqlite.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        while try tables.step() {
            let table = tables.text(0)!
            let info = try sqlite.prepare("SELECT name FROM pragma_table_info('\(table)')")
            var names: Set<String> = []
            while try info.step() { names.insert(info.text(0)!) }
            sqliteColumns[table.hasPrefix("ws_") ? String(table.dropFirst(3)) : table] = names
        }
        let url = try TestPostgres.freshDatabase("schema").url
        _ = try PostgresStore(conninfo: url)
        let pg = try PGConnection(conninfo: url)
        let columns = try pg.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'warehouse_sync'")
        var pgColumns: [String: Set<String>] = [:]
        for row in 0..<columns.rowCount { pgColumns[columns.text(row, 0)!, default: []].insert(columns.text(row, 1)!) }
        #expect(sqliteColumns == pgColumns)
    }
}

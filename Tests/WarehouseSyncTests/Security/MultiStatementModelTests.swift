import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// A model file with several statements is refused by every command, for every source kind,
/// before anything is sent: the warehouse stays byte for byte as it was.
@Suite struct MultiStatementModelTests {
    enum Source: String, CaseIterable, CustomTestStringConvertible {
        case libpq, psqlodbc, sqlite
        var testDescription: String { rawValue }
    }

    static let attacks = [
        "SELECT id, v FROM victim; COMMIT; DELETE FROM victim;",
        "SELECT id, v FROM victim; ROLLBACK; INSERT INTO victim VALUES ('x', 9)",
        "SELECT id, v FROM victim; COMMIT; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; CREATE TABLE planted "
            + "(a int)",
        "SELECT id, v FROM victim;\nCOPY (SELECT 1) TO PROGRAM 'id > {file}'",
    ]

    /// A project whose warehouse holds `victim`, read by a model of the given source kind.
    static func project(_ source: Source) throws -> SyncFixture {
        let f = try SyncFixture(store: .sqlite, source: source == .sqlite ? .sqlite : .postgres)
        try f.warehouse("CREATE TABLE victim (id text, v int); INSERT INTO victim VALUES ('a', 1), ('b', 2)")
        if source == .psqlodbc {
            let password = "odbc-\(UUID().uuidString.prefix(8))"
            let role = try TestPostgres.createRole(password: password, in: f.warehouseDatabase)
            let odbc = try ODBCTestSources.postgres(database: f.warehouseDatabase, role: role, password: password)
            try """
            [store]
            url = "\(f.storeURL)"
            [sources.wh]
            kind = "odbc"
            odbc = "\(odbc)"
            """.write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        }
        return f
    }

    func victim(_ f: SyncFixture) throws -> String {
        if f.sourceKind == .sqlite {
            let rows = try SQLiteSource(path: f.warehousePath).collect(
                "SELECT group_concat(id || v, ',') AS s FROM victim")
            let planted = try SQLiteSource(path: f.warehousePath)
                .collect("SELECT count(*) AS n FROM sqlite_master WHERE name = 'planted'").rows
            return "\(rows.rows) \(planted)"
        }
        let pg = try PGConnection(conninfo: f.warehouseURL)
        return try pg.execute(
            "SELECT string_agg(id || v, ',' ORDER BY id) || (to_regclass('planted') IS NULL)::text FROM victim"
        )
        .text(0, 0) ?? ""
    }

    @Test(arguments: Source.allCases, attacks)
    func everyCommandRefusesTheModelAndTheWarehouseIsUnchanged(source: Source, attack: String) async throws {
        let f = try Self.project(source)
        let before = try victim(f)
        let file = "/tmp/ws-attack-\(UUID().uuidString)"
        try f.model("m", "-- key: id\n" + attack.replacingOccurrences(of: "{file}", with: file))
        let line = attack.contains("\n") ? 3 : 2  // the line where the second statement begins
        for command in [["validate", "--connect"], ["plan", "m"], ["sync", "m"], ["sync", "--all", "--json"]] {
            let result = await runCLI(command, in: f.directory)
            #expect(result.status == 2, "\(command): \(result.err)")
            #expect(
                result.err.contains("error: models/m.sql:\(line): a model is one SQL statement"),
                "\(command): \(result.err)")
        }
        let serve = try ToolProcess(project: f.directory, ["serve"])
        #expect(serve.wait(timeout: 30) == 2)
        #expect(serve.stderr.contains("models/m.sql:\(line): a model is one SQL statement"), "\(serve.stderr)")
        #expect(try victim(f) == before)
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test func anEditUnderServeIsRefusedAndTheLastValidVersionKeepsRunning() throws {
        let f = try Self.project(.libpq)
        try f.model("m", "-- key: id\n-- schedule: every 1s\n-- skip_unchanged: false\nSELECT id, v FROM victim\n")
        let serve = try ToolProcess(project: f.directory, ["serve"])
        defer {
            serve.signal(SIGTERM)
            _ = serve.wait(timeout: 10)
        }
        #expect(try waitUntil(20) { serve.stderr.contains("\"event\":\"run_finished\"") })
        try f.model("m", "-- key: id\n-- schedule: every 1s\nSELECT id, v FROM victim; COMMIT; DELETE FROM victim;\n")
        #expect(try waitUntil(10) { serve.stderr.contains("\"event\":\"reload_failed\"") })
        #expect(serve.stderr.contains("a model is one SQL statement"))
        let finished = serve.stderr.components(separatedBy: "\"event\":\"run_finished\"").count
        #expect(
            try waitUntil(10) { serve.stderr.components(separatedBy: "\"event\":\"run_finished\"").count > finished })
        #expect(try victim(f) == "a1,b2true")
    }

    @Test(arguments: [
        "DELETE FROM victim", "UPDATE victim SET v = 0", "ATTACH DATABASE 'x.db' AS x", "PRAGMA writable_schema = 1",
    ])
    func aModelIsAQuery(text: String) throws {
        let errors = #expect(throws: ProjectErrors.self) {
            try Model.parse(text: "-- key: id\n\n" + text, file: "models/m.sql")
        }
        #expect(errors?.errors.first?.line == 3)
        #expect(errors?.errors.first?.message.contains("a model is a query") == true)
    }
}

/// Polls `condition` every 0.1 s for up to `seconds`.
func waitUntil(_ seconds: TimeInterval, _ condition: () throws -> Bool) throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return false
}

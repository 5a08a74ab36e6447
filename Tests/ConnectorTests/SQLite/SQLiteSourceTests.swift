import Connectors
import Drivers
import Foundation
import SyncCore
import TestSupport
import Testing

@Suite struct SQLiteSourceTests {
    static func file(_ setup: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ws-\(UUID().uuidString).db").path
        try SQLiteDatabase(path: path, create: true).execute(setup)
        return path
    }

    @Test func declaredTypesGiveValueTypes() throws {
        let path = try Self.file(
            """
            CREATE TABLE t (id INTEGER, active BOOLEAN, price DECIMAL(12,2), ratio DOUBLE, name TEXT,
                            born DATE, seen TIMESTAMP, doc JSON, raw BLOB);
            INSERT INTO t VALUES (1, 1, 10.50, 0.25, 'åsa', '2024-02-29', '2024-02-29 10:00:00', '{"a":1}', x'00ff');
            INSERT INTO t VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try SQLiteSource(path: path).collect("SELECT * FROM t ORDER BY id")
        #expect(
            result.columns.map(\.type) == [.int, .bool, .decimal, .double, .text, .date, .timestamp, .json, .bytes])
        #expect(
            result.rows[0] == [
                .int(1), .bool(true), .decimal("10.5"), .double(0.25), .text("åsa"),
                .date("2024-02-29"), .timestamp("2024-02-29T10:00:00"), .json(#"{"a":1}"#), .bytes([0, 255]),
            ])
        #expect(result.rows[1] == [.int(2)] + Array(repeating: .null, count: 8))
    }

    @Test(arguments: ["DELETE FROM t", "INSERT INTO t VALUES (2)", "DROP TABLE t"])
    func writesAreRefused(sql: String) throws {
        let path = try Self.file("CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1);")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try SQLiteSource(path: path)
        let error = try #require(throws: ConnectorError.self) { try source.collect(sql) }
        #expect(error.sqlState == "25006")
        #expect(try source.collect("SELECT count(*) AS n FROM t").rows == [[.int(1)]])
    }

    @Test func badSQLNamesThePosition() throws {
        let path = try Self.file("CREATE TABLE t (id INTEGER);")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: ConnectorError.self) {
            try SQLiteSource(path: path).collect("SELECT nope FROM t")
        }
        #expect(error.message.contains("no such column: nope"))
        #expect(error.position == 8)
    }

    @Test func timeoutInterruptsALongQuery() throws {
        let path = try Self.file("CREATE TABLE t (id INTEGER);")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        let error = try #require(throws: ConnectorError.self) {
            try SQLiteSource(path: path).collect(slow, options: QueryOptions(timeout: .milliseconds(200)))
        }
        #expect(error.code == .timeout)
    }

    @Test func missingFileIsAClearError() throws {
        let error = try #require(throws: ConnectorError.self) { try SQLiteSource(path: "/nonexistent/warehouse.db") }
        #expect(error.message.contains("/nonexistent/warehouse.db"))
    }
}

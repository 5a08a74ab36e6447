import Connectors
import Drivers
import Foundation
import SyncCore
import TestSupport
import Testing

@Suite struct ODBCSQLiteTests {
    @Test func typesRoundTripThroughTheSQLiteDriver() throws {
        let path = try ODBCTestSources.temporarySQLiteFile(
            """
            CREATE TABLE t (id INTEGER, name TEXT, amount DOUBLE, big TEXT, born DATE);
            INSERT INTO t VALUES (1, 'zoë ✓', 2.5, NULL, '2024-02-29');
            INSERT INTO t VALUES (2, NULL, NULL, printf('%.*c', 1048576, 'x'), NULL);
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try ODBCSource(connectionString: ODBCTestSources.sqlite(path: path))
        #expect(source.dialect is SQLiteDialect)
        let result = try source.collect("SELECT id, name, amount, big, born FROM t ORDER BY id")
        #expect(result.rows.count == 2)
        #expect(Array(result.rows[0][0...2]) == [.int(1), .text("zoë ✓"), .double(2.5)])
        #expect(result.rows[0][3] == .null)
        #expect(result.rows[0][4] == .date("2024-02-29"))
        #expect(result.rows[1][1] == .null)
        guard case .text(let big) = result.rows[1][3] else {
            Issue.record("expected text, got \(result.rows[1][3])")
            return
        }
        #expect(big.utf8.count == 1_048_576)
    }

    @Test func writesAreRefused() throws {
        let path = try ODBCTestSources.temporarySQLiteFile("CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1);")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try ODBCSource(connectionString: ODBCTestSources.sqlite(path: path))
        #expect(throws: ConnectorError.self) { try source.collect("DELETE FROM t") }
        let check = try SQLiteSource(path: path)
        #expect(try check.collect("SELECT count(*) AS n FROM t").rows == [[.int(1)]])
    }
}

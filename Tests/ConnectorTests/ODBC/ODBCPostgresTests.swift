import Connectors
import Drivers
import Foundation
import SyncCore
import TestSupport
import Testing

@Suite struct ODBCPostgresTests {
    @Test func typesRoundTripThroughPsqlODBC() throws {
        let (_, connectionString, _) = try ODBCTestSources.freshPostgres()
        let source = try ODBCSource(connectionString: connectionString)
        #expect(source.dialect is PostgresDialect)
        let result = try source.collect(
            """
            SELECT true AS b, 42::int2 AS i2, 9223372036854775807::int8 AS i8, 0.1::float8 AS f8,
                   1234567890123456789012345678.1234567890::numeric(38,10) AS exact,
                   'héllo ✓ 日本'::text AS t, '2024-02-29'::date AS d,
                   '2024-02-29 23:59:58'::timestamp AS ts, NULL::text AS nothing, NULL::int AS no_int
            """)
        #expect(
            result.columns.map(\.type) == [.bool, .int, .int, .double, .decimal, .text, .date, .timestamp, .text, .int])
        #expect(
            result.rows == [
                [
                    .bool(true), .int(42), .int(Int64.max), .double(0.1),
                    .decimal("1234567890123456789012345678.1234567890"), .text("héllo ✓ 日本"),
                    .date("2024-02-29"), .timestamp("2024-02-29T23:59:58"), .null, .null,
                ]
            ])
    }

    @Test func jsonArraysBytesAndInstantsThroughPsqlODBC() throws {
        let (_, connectionString, _) = try ODBCTestSources.freshPostgres()
        let source = try ODBCSource(connectionString: connectionString)
        let result = try source.collect(
            """
            SELECT '{"a": [1, 2.50]}'::jsonb AS j, ARRAY[1, 2]::int[] AS ints, '\\x00ff'::bytea AS raw,
                   '2024-03-31 01:30:00+00'::timestamptz AS at
            """)
        // ODBC has no JSON or array types: they arrive as their text.
        #expect(result.rows[0][0] == .text(#"{"a": [1, 2.50]}"#))
        #expect(result.rows[0][1] == .text("{1,2}"))
        #expect(result.rows[0][2] == .bytes([0x00, 0xff]))
        #expect(result.rows[0][3] == .timestamp("2024-03-31T01:30:00"))
    }

    @Test func longValuesAreReadWhole() throws {
        let (_, connectionString, _) = try ODBCTestSources.freshPostgres()
        let source = try ODBCSource(connectionString: connectionString)
        let result = try source.collect(
            "SELECT g AS id, CASE WHEN g = 3 THEN repeat('é', 524288) ELSE 'short' END AS big FROM generate_series(1, "
                + "5) g"
        )
        #expect(result.rows.count == 5)
        guard case .text(let big) = result.rows[2][1] else {
            Issue.record("expected text")
            return
        }
        #expect(big.utf8.count == 1_048_576)
        #expect(result.rows[3] == [.int(4), .text("short")])
    }

    @Test(arguments: [
        "DELETE FROM guarded", "INSERT INTO guarded VALUES (9)",
        "WITH d AS (DELETE FROM guarded RETURNING id) SELECT * FROM d",
    ])
    func writesAreRefused(sql: String) throws {
        let (admin, connectionString, _) = try ODBCTestSources.freshPostgres()
        try admin.execute(
            "CREATE TABLE guarded (id int); INSERT INTO guarded VALUES (1), (2); GRANT ALL ON guarded TO PUBLIC")
        let source = try ODBCSource(connectionString: connectionString)
        let error = try #require(throws: ConnectorError.self) { try source.collect(sql) }
        // 25006: read-only transaction; 0A000: psqlodbc's cursor refuses a data-modifying WITH.
        #expect(["25006", "0A000"].contains(error.sqlState), "\(error)")
        #expect(try admin.execute("SELECT count(*) FROM guarded").text(0, 0) == "2")
    }

    @Test func badSQLGivesDiagnostics() throws {
        let (_, connectionString, _) = try ODBCTestSources.freshPostgres()
        let source = try ODBCSource(connectionString: connectionString)
        let error = try #require(throws: ConnectorError.self) { try source.collect("SELECT 1 FROM nowhere_table") }
        #expect(error.sqlState == "42P01", "\(error)")
        #expect(error.message.contains("nowhere_table"))
        #expect(!error.isTransient)
    }

    @Test func wrongPasswordIsNeverEchoed() throws {
        let (_, connectionString, password) = try ODBCTestSources.freshPostgres()
        let wrong = connectionString.replacingOccurrences(of: password, with: "wrong-\(password)")
        let error = try #require(throws: ConnectorError.self) { try ODBCSource(connectionString: wrong) }
        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("password authentication failed"), "\(error)")
        #expect(!error.description.contains(password))
    }

    @Test func cancellingTheTaskCallsSQLCancel() async throws {
        let (admin, connectionString, _) = try ODBCTestSources.freshPostgres()
        _ = try await expectCancellationReachesServer(admin: admin, model: "odbc_cancel") {
            try ODBCSource(connectionString: connectionString)
        }
    }
}

import Connectors
import Drivers
import Foundation
import SyncCore
import TestSupport
import Testing

@Suite struct PostgresSafetyTests {
    @Test func badSQLCarriesSQLStateAndPosition() throws {
        let source = try PostgresSource(url: try TestPostgres.url())
        let error = try #require(throws: ConnectorError.self) { try source.collect("SELECT 1 FROM nowhere_table") }
        #expect(error.sqlState == "42P01")
        #expect(error.position == 15)
        #expect(error.message.contains("nowhere_table"))
        #expect(!error.isTransient)
        let syntax = try #require(throws: ConnectorError.self) { try source.collect("SELEC 1") }
        #expect(syntax.sqlState == "42601")
        #expect(syntax.position == 1)
    }

    @Test(arguments: [
        "DELETE FROM guarded",
        "INSERT INTO guarded VALUES (99)",
        "WITH d AS (DELETE FROM guarded RETURNING id) SELECT * FROM d",
        "SELECT * FROM guarded; DELETE FROM guarded",
    ])
    func writesAreRefusedAndChangeNothing(sql: String) throws {
        let db = try TestPostgres.freshDatabase("ro")
        let admin = try PGConnection(conninfo: db.url)
        try admin.execute("CREATE TABLE guarded (id int); INSERT INTO guarded SELECT generate_series(1, 3)")
        for mode in [PostgresSource.FetchMode.copy, .singleRow] {
            let source = try PostgresSource(url: db.url, mode: mode)
            #expect(throws: ConnectorError.self) { try source.collect(sql) }
        }
        #expect(try admin.execute("SELECT count(*) FROM guarded").text(0, 0) == "3")
    }

    @Test func readOnlyErrorNamesTheReadOnlyTransaction() throws {
        let db = try TestPostgres.freshDatabase("ro")
        try PGConnection(conninfo: db.url).execute("CREATE TABLE guarded (id int)")
        let source = try PostgresSource(url: db.url, mode: .singleRow)
        let error = try #require(throws: ConnectorError.self) { try source.collect("INSERT INTO guarded VALUES (1)") }
        #expect(error.sqlState == "25006")
    }

    @Test func wrongPasswordIsClearAndNeverEchoed() throws {
        let secret = "s3cret-Pa55-\(UUID().uuidString.prefix(6))"
        let role = try TestPostgres.createRole(password: "right-\(secret)", in: "postgres")
        let url = try TestPostgres.tcpURL(database: "postgres", role: role)
        let error = try #require(throws: ConnectorError.self) { try PostgresSource(url: url, password: secret) }
        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("password authentication failed"))
        #expect(!error.description.contains(secret))
        #expect(!error.isTransient)
        // The right one works, from the config or from a URL.
        _ = try PostgresSource(url: url, password: "right-\(secret)")
    }

    @Test func statementTimeoutIsTransient() throws {
        let source = try PostgresSource(url: try TestPostgres.url())
        let error = try #require(throws: ConnectorError.self) {
            try source.collect("SELECT pg_sleep(5)", options: QueryOptions(timeout: .milliseconds(200)))
        }
        #expect(error.code == .timeout)
        #expect(error.isTransient)
        // The connection is usable afterwards.
        #expect(try source.collect("SELECT 1 AS one").rows == [[.int(1)]])
    }

    @Test func sessionIsTaggedWithModelAndRun() throws {
        let source = try PostgresSource(url: try TestPostgres.url())
        let tag = SessionTag(model: "lifetime_value", runID: "r42")
        let result = try source.collect(
            "SELECT current_setting('application_name') AS a, current_setting('transaction_read_only') AS ro",
            options: QueryOptions(tag: tag, settings: [("work_mem", "8MB")]))
        #expect(result.rows == [[.text("warehouse-sync:lifetime_value:r42"), .text("on")]])
    }
}

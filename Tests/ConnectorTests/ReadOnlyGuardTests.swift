import Connectors
import Drivers
import Foundation
import SyncCore
import TestSupport
import Testing

/// No source sends a text of several statements: the attacks of a hostile model, tried on each
/// source kind with every entry point that takes a model's text, leave the warehouse unchanged.
@Suite struct ReadOnlyGuardTests {
    /// The attacks, with `{file}` standing for a path the server would write.
    static let attacks = [
        "SELECT id FROM victim; COMMIT; DELETE FROM victim;",
        "SELECT id FROM victim; ROLLBACK; INSERT INTO victim VALUES (99)",
        "SELECT 1; COMMIT; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; CREATE TABLE planted (a int)",
        "SELECT 1; COPY (SELECT 1) TO PROGRAM 'id > {file}'",
        "SELECT 'a\\'; DELETE FROM victim; SELECT '",
        "SELECT 1 /* /* */ ; DELETE FROM victim; /* */",
    ]

    static func marker() -> String { "/tmp/ws-attack-\(UUID().uuidString)" }

    @Test(arguments: attacks)
    func libpqSendsNoSecondStatement(attack: String) throws {
        let db = try TestPostgres.freshDatabase("guard")
        let admin = try PGConnection(conninfo: db.url)
        try admin.execute("CREATE TABLE victim (id int); INSERT INTO victim SELECT generate_series(1, 3)")
        let file = Self.marker()
        let sql = attack.replacingOccurrences(of: "{file}", with: file)
        for mode in [PostgresSource.FetchMode.copy, .singleRow] {
            // The test server's role is a superuser: COPY TO PROGRAM would run if it were sent.
            let source = try PostgresSource(url: db.url, mode: mode)
            #expect(throws: ConnectorError.self) { try source.collect(sql) }
            #expect(throws: ConnectorError.self) { try source.describe(sql, options: QueryOptions()) }
            #expect(throws: ConnectorError.self) { try source.plannerTotalCost(sql, options: QueryOptions()) }
        }
        #expect(try admin.execute("SELECT string_agg(id::text, ',' ORDER BY id) FROM victim").text(0, 0) == "1,2,3")
        #expect(try admin.execute("SELECT to_regclass('planted') IS NULL").text(0, 0) == "t")
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test(arguments: attacks)
    func psqlodbcSendsNoSecondStatement(attack: String) throws {
        let (admin, connectionString, _) = try ODBCTestSources.freshPostgres()
        try admin.execute("CREATE TABLE victim (id int); INSERT INTO victim SELECT generate_series(1, 3)")
        try admin.execute("GRANT ALL ON victim TO PUBLIC; GRANT CREATE ON SCHEMA public TO PUBLIC")
        let file = Self.marker()
        let sql = attack.replacingOccurrences(of: "{file}", with: file)
        let source = try ODBCSource(connectionString: connectionString)
        #expect(throws: ConnectorError.self) { try source.collect(sql) }
        #expect(throws: ConnectorError.self) { try source.describe(sql, options: QueryOptions()) }
        #expect(try admin.execute("SELECT string_agg(id::text, ',' ORDER BY id) FROM victim").text(0, 0) == "1,2,3")
        #expect(try admin.execute("SELECT to_regclass('planted') IS NULL").text(0, 0) == "t")
    }

    static let sqliteAttacks = [
        "SELECT id FROM victim; DELETE FROM victim;",
        "SELECT id FROM victim; INSERT INTO victim VALUES (99)",
        "SELECT 1; ATTACH DATABASE '{file}' AS planted; CREATE TABLE planted.t (a)",
        "SELECT 1 /* /* */ ; DELETE FROM victim; /* */",
        "SELECT [a; DELETE FROM victim; b] FROM victim",
    ]

    @Test(arguments: sqliteAttacks)
    func sqliteSourcesSendNoSecondStatement(attack: String) throws {
        let path = try ODBCTestSources.temporarySQLiteFile(
            "CREATE TABLE victim (id INTEGER); INSERT INTO victim VALUES (1), (2), (3);")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = Self.marker()
        let sql = attack.replacingOccurrences(of: "{file}", with: file)
        let direct = try SQLiteSource(path: path)
        #expect(throws: ConnectorError.self) { try direct.collect(sql) }
        #expect(throws: ConnectorError.self) { try direct.describe(sql, options: QueryOptions()) }
        let odbc = try ODBCSource(connectionString: ODBCTestSources.sqlite(path: path))
        #expect(throws: ConnectorError.self) { try odbc.collect(sql) }
        #expect(try direct.collect("SELECT group_concat(id) AS ids FROM victim").rows == [[.text("1,2,3")]])
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    /// Below the lexer, SQLite's own prepare would run only the first statement and ignore the
    /// rest; with `single` the rest is an error instead.
    @Test func sqlitePrepareRefusesATailInsteadOfIgnoringIt() throws {
        let path = try ODBCTestSources.temporarySQLiteFile("CREATE TABLE victim (id INTEGER);")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try SQLiteDatabase(path: path)
        #expect(throws: ConnectorError.self) { try db.prepare("SELECT 1; DELETE FROM victim", single: true) }
        _ = try db.prepare("SELECT 1; -- a comment\n", single: true)
        let source = try SQLiteSource(path: path)
        let attach = #expect(throws: ConnectorError.self) {
            try source.database.execute("ATTACH DATABASE '\(Self.marker())' AS planted")
        }
        #expect(attach?.message.contains("too many attached databases") == true)
    }
}

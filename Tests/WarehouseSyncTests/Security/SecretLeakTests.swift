import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// Passwords with every character that breaks a URL or a conninfo string, given every way the
/// config allows, right and wrong: no four characters of any of them appear in any output, log,
/// error, the metrics file, the process list or the store.
@Suite struct SecretLeakTests {
    static let passwords = [
        "50%off-s3cret", "pa/ss@w0rd#x?y", "Rd s3cret 771", "it's-Grüße-ünï", "q\\uote'd@/#?%zz x",
    ]

    /// How a password reaches the config.
    enum Form: String, CaseIterable, CustomTestStringConvertible {
        case urlRaw, urlEncoded, conninfoQuoted, conninfoUnquoted, passwordKey, odbcPWD
        var testDescription: String { rawValue }
    }

    /// The first window of four characters of `secret` found in `text`.
    static func leak(of secret: String, in text: String) -> String? {
        let characters = Array(secret)
        guard characters.count >= 4 else { return text.contains(secret) ? secret : nil }
        for start in 0...(characters.count - 4) {
            let window = String(characters[start..<(start + 4)])
            if text.contains(window) { return window }
        }
        return nil
    }

    static func sourceTable(_ form: Form, role: String, database: String, password: String) throws -> String {
        let port = try TestPostgres.port()
        let quoted = password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        func toml(_ text: String) -> String {
            text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        }
        switch form {
        case .urlRaw:
            return
                "kind = \"postgres\"\nurl = "
                + "\"\(toml("postgresql://\(role):\(password)@127.0.0.1:\(port)/\(database)"))\""
        case .urlEncoded:
            let encoded = PercentEncoding.encode(password)
            return "kind = \"postgres\"\nurl = \"postgresql://\(role):\(encoded)@127.0.0.1:\(port)/\(database)\""
        case .conninfoQuoted:
            return
                "kind = \"postgres\"\nurl = "
                + "\"\(toml("host=127.0.0.1 port=\(port) user=\(role) dbname=\(database) password='\(quoted)'"))\""
        case .conninfoUnquoted:
            return
                "kind = \"postgres\"\nurl = "
                + "\"\(toml("host=127.0.0.1 port=\(port) user=\(role) password=\(password) dbname=\(database)"))\""
        case .passwordKey:
            return
                "kind = \"postgres\"\nurl = \"postgresql://\(role)@127.0.0.1:\(port)/\(database)\"\npassword = "
                + "\"${WH_PASSWORD}\""
        case .odbcPWD:
            let braced = "{" + password.replacingOccurrences(of: "}", with: "}}") + "}"
            let odbc =
                "Driver={PostgreSQL Unicode};Servername=127.0.0.1;Port=\(port);"
                + "Database=\(database);UID=\(role);PWD=\(braced);"
            return "kind = \"odbc\"\nodbc = \"\(toml(odbc))\""
        }
    }

    /// Every row of every table of the store, as text.
    static func storeDump(_ f: SyncFixture) throws -> String {
        switch f.storeKind {
        case .sqlite:
            let db = try SQLiteSource(path: String(f.storeURL.dropFirst("sqlite:".count)))
            let tables = try db.collect("SELECT name FROM sqlite_master WHERE type = 'table'").rows.compactMap { row in
                if case .text(let name) = row[0] { return name }
                return nil
            }
            return try tables.map { table in
                try db.collect("SELECT * FROM \"\(table)\"").rows.map { "\($0)" }.joined(separator: "\n")
            }.joined(separator: "\n")
        case .postgres:
            let pg = try PGConnection(conninfo: f.storeURL)
            let tables = try pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'warehouse_sync'")
            var dump = ""
            for index in 0..<tables.rowCount {
                let rows = try pg.execute(
                    "SELECT string_agg(row_to_json(t)::text, E'\\n') FROM warehouse_sync.\(tables.text(index, 0)!) t")
                dump += (rows.text(0, 0) ?? "") + "\n"
            }
            return dump
        }
    }

    @Test(arguments: Form.allCases, [true, false])
    func noPartOfAnySourcePasswordLeaves(form: Form, rightPassword: Bool) async throws {
        for password in Self.passwords {
            let f = try SyncFixture(store: .sqlite)
            try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
            let role = try TestPostgres.createRole(
                password: rightPassword ? password : "other-\(UUID())", in: f.warehouseDatabase)
            f.environment = ["WH_PASSWORD": password]
            let source = try Self.sourceTable(form, role: role, database: f.warehouseDatabase, password: password)
            try ("[store]\nurl = \"\(f.storeURL)\"\n[sources.wh]\n\(source)\n")
                .write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
            try f.model("m", "-- key: id\nSELECT id, v FROM t")
            var seen = ""
            for command in [
                ["sync", "m"], ["sync", "--all", "--json"], ["plan", "m", "--json"], ["validate", "--connect"],
                ["runs", "--json"], ["status", "--json"],
            ] {
                let result = await runCLI(command, in: f.directory, environment: f.environment)
                seen += result.out + result.err
            }
            if rightPassword && form != .conninfoUnquoted {
                #expect(try f.traits("a") == ["v": "1"], "\(form) \(password): \(seen)")
            } else {
                #expect(seen.contains("error"), "\(form) \(password): a wrong password must fail: \(seen)")
            }
            seen += try Self.storeDump(f)
            #expect(
                Self.leak(of: password, in: seen) == nil,
                "\(form) \(password) leaked \(Self.leak(of: password, in: seen) ?? ""): \(seen)")
        }
    }

    @Test(arguments: [true, false])
    func noPartOfTheStorePasswordLeaves(rightPassword: Bool) async throws {
        for password in Self.passwords {
            let f = try SyncFixture(store: .postgres)
            try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
            let storeDatabase = try PGConnection(conninfo: f.storeURL).execute("SELECT current_database()").text(0, 0)!
            let role = "store_\(UUID().uuidString.prefix(8).lowercased())"
            let admin = try PGConnection(conninfo: f.storeURL)
            try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD \(admin.literal(rightPassword ? password : "other"))")
            try admin.execute(
                "ALTER DATABASE \(storeDatabase) OWNER TO \(role); GRANT CREATE ON SCHEMA public TO \(role)")
            let storeURL = "postgresql://\(role):\(password)@127.0.0.1:\(try TestPostgres.port())/\(storeDatabase)"
            let escaped = storeURL.replacingOccurrences(of: "\\", with: "\\\\")
            try "[store]\nurl = \"\(escaped)\"\n[sources.wh]\nkind = \"postgres\"\nurl = \"\(f.warehouseURL)\"\n"
                .write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
            try f.model("m", "-- key: id\nSELECT id, v FROM t")
            var seen = ""
            for command in [
                ["sync", "m"], ["sync", "--all", "--json"], ["runs", "--json"], ["status", "--json"], ["profile", "a"],
            ] {
                let result = await runCLI(command, in: f.directory)
                seen += result.out + result.err
            }
            if rightPassword {
                #expect(seen.contains("\"status\" : \"succeeded\""), "\(password): \(seen)")
                #expect(try f.traits("a") == ["v": "1"], "\(password): \(seen)")
            } else {
                #expect(seen.contains("password authentication failed"), "\(password): \(seen)")
            }
            seen += try Self.storeDump(f)
            #expect(
                Self.leak(of: password, in: seen) == nil,
                "\(password) leaked \(Self.leak(of: password, in: seen) ?? ""): \(seen)")
        }
    }

    /// `serve` with a wrong password in its source URL: its log, metrics file and the process list.
    @Test func serveLogsMetricsAndTheProcessListHoldNoPartOfAPassword() throws {
        let password = "pa/ss@w0rd#x?y 50%off-Grüße"
        let f = try SyncFixture(store: .sqlite)
        let role = try TestPostgres.createRole(password: "other", in: f.warehouseDatabase)
        let metrics = f.directory.appendingPathComponent("ws.prom").path
        let url = "postgresql://\(role):\(password)@127.0.0.1:\(try TestPostgres.port())/\(f.warehouseDatabase)"
        try
            ("[store]\nurl = \"\(f.storeURL)\"\n[scheduler]\nmetrics_file = \"\(metrics)\"\n[sources.wh]\nkind = "
            + "\"postgres\"\nurl = \"\(url)\"\n")
            .write(to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        try f.model("m", "-- key: id\n-- schedule: every 1s\nSELECT 1 AS id, 2 AS v")
        let serve = try ToolProcess(project: f.directory, ["serve"])
        #expect(try waitUntil(20) { serve.stderr.contains("password authentication failed") })
        let processes = try String(contentsOfFile: "/proc/\(serve.process.processIdentifier)/cmdline", encoding: .utf8)
        let ps = Process()
        ps.executableURL = URL(fileURLWithPath: "/bin/ps")
        ps.arguments = ["-eo", "args"]
        let pipe = Pipe()
        ps.standardOutput = pipe
        try ps.run()
        let list = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ps.waitUntilExit()
        serve.signal(SIGTERM)
        #expect(serve.wait(timeout: 15) == 0)
        let seen = [
            serve.stderr, processes, list, (try? String(contentsOfFile: metrics, encoding: .utf8)) ?? "",
            try Self.storeDump(f),
        ]
        .joined(separator: "\n")
        #expect(FileManager.default.fileExists(atPath: metrics))
        #expect(Self.leak(of: password, in: seen) == nil, "leaked \(Self.leak(of: password, in: seen) ?? ""): \(seen)")
    }

    @Test func theRedactorBlanksEveryRunOfFourCharactersOfASecret() {
        let redactor = SecretRedactor()
        redactor.add(secretsIn: "postgres://u:50%off-s3cret@h/db")
        redactor.add(secretsIn: "host=h password='Rd s3cret 771' user=u")
        redactor.add(secretsIn: "Driver=x;PWD={a;b}}c};UID=u")
        #expect(
            redactor.redact("invalid percent-encoded token: \"50%off-s3cret\"")
                == "invalid percent-encoded token: \"•••\"")
        #expect(
            redactor.redact("missing \"=\" after \"s3cret\" in connection info string")
                == "missing \"=\" after \"•••\" in connection info string")
        #expect(redactor.redact("bad value a;b}c") == "bad value •••")
        #expect(redactor.redact("nothing to hide here") == "nothing to hide here")
    }
}

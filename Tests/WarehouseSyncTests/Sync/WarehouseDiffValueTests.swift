import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

extension WarehouseDiffTests {
    /// Values and keys as the warehouse spells them (collations, padding, enums, domains, regclass,
    /// encodings) equal a client-side run's.
    @Suite struct Values {
        /// Keys compared by their bytes, as the store compares them, whatever the column's collation.
        @Test func aCaseInsensitiveKeyColumnIsComparedByItsBytes() throws {
            let f = try WarehouseDiffTests.fixture(.sqlite)
            try f.warehouse(
                """
                CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
                CREATE TABLE people (email text COLLATE ci, v int);
                INSERT INTO people SELECT 'user' || g || '@x.com', g FROM generate_series(1, 100) g;
                INSERT INTO people VALUES ('Bob@x.com', 1), ('bob@x.com', 2);
                """)
            let model = "-- key: email\n-- diff: warehouse\n-- max_removed: 100%\nSELECT email, v FROM people"
            try f.model("people", model)
            let twin = try WarehouseDiffTests.clientTwin(of: f, .sqlite, model: "people", model)
            for change in ["", "UPDATE people SET email = 'BOB@x.com' WHERE email = 'Bob@x.com' AND v = 1"] {
                if !change.isEmpty { try f.warehouse(change) }
                let inside = try f.sync("people").record
                let outside = try twin.sync("people").record
                #expect(inside.counts == outside.counts, "\(inside.counts) \(outside.counts)")
                #expect(try f.allProfiles() == twin.allProfiles())
            }
            #expect(try f.allProfiles().count == 102 && f.traits("BOB@x.com")["v"] == "1")
        }

        /// A char(n) value is compared as COPY spells it, padding and all.
        @Test func aWiderCharColumnChangesItsValues() throws {
            let f = try WarehouseDiffTests.fixture(.sqlite)
            try f.warehouse("CREATE TABLE codes (id int, c char(5)); INSERT INTO codes VALUES (1, 'ab'), (2, NULL)")
            let model = "-- key: id\n-- diff: warehouse\n-- schema: evolve\nSELECT id, c FROM codes"
            try f.model("codes", model)
            let twin = try WarehouseDiffTests.clientTwin(of: f, .sqlite, model: "codes", model)
            for change in [
                "", "ALTER TABLE codes ALTER COLUMN c TYPE char(8)", "ALTER TABLE codes ALTER COLUMN c TYPE text",
            ] {
                if !change.isEmpty { try f.warehouse(change) }
                let inside = try f.sync("codes").record
                #expect(inside.counts == (try twin.sync("codes").record.counts), "\(change)")
                #expect(try f.allProfiles() == twin.allProfiles(), "\(change)")
                if change.hasSuffix("char(8)") { #expect(try f.traits("1")["c"] == "\"ab      \"") }
            }
            #expect(try f.traits("1")["c"] == "\"ab\"", "a cast to text drops the padding")
        }

        /// User-defined types, in the default schema and another, keep their type in the session's table.
        @Test func enumsDomainsAndTypesOfOtherSchemasEqualAClientSideRun() throws {
            let f = try WarehouseDiffTests.fixture(.sqlite)
            try f.warehouse(
                """
                CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); CREATE SCHEMA lib;
                CREATE DOMAIN lib.score AS numeric(6,2) CHECK (VALUE >= 0); CREATE TYPE lib.pair AS (a int, b text);
                CREATE TABLE typed (id int, m mood, ms mood[], s lib.score, p lib.pair, c varchar(3));
                INSERT INTO typed VALUES (1, 'ok', '{sad,happy}', 1.5, ROW(1, 'x'), 'abc'),
                    (2, NULL, NULL, NULL, NULL, NULL);
                """)
            let model = "-- key: id\n-- diff: warehouse\nSELECT id, m, ms, s, p, c FROM typed"
            try f.model("typed", model)
            let twin = try WarehouseDiffTests.clientTwin(of: f, .sqlite, model: "typed", model)
            for change in ["", "UPDATE typed SET m = 'happy', s = 2.50, p = ROW(2, 'y') WHERE id = 1"] {
                if !change.isEmpty { try f.warehouse(change) }
                let inside = try f.sync("typed").record
                #expect(inside.status == .succeeded, "\(inside.error ?? "")")
                #expect(inside.counts == (try twin.sync("typed").record.counts))
                #expect(try f.allProfiles() == twin.allProfiles())
            }
            #expect(try f.traits("1")["m"] == "\"happy\"")
        }

        /// A model that moves a setting that spells values (or the client's encoding) while it runs
        /// gets nothing written, in either mode: the values after it would be spelled otherwise.
        @Test func aModelThatMovesASpellingSettingWritesNothing() throws {
            let f = try WarehouseDiffTests.fixture(.sqlite)
            try f.warehouse("CREATE TABLE ek (id text, x float8); INSERT INTO ek VALUES ('é', 1.00000001), ('ü', 2)")
            for mode in ["warehouse", "client"] {
                for setting in ["'client_encoding', 'LATIN1', false", "'extra_float_digits', '-15', true"] {
                    try f.model(
                        "ek",
                        "-- key: id\n-- diff: \(mode)\n-- skip_unchanged: false\nSELECT id, x FROM ek WHERE "
                            + "set_config(\(setting)) IS NOT NULL")
                    let error = #expect(throws: ConnectorError.self) { try f.sync("ek") }
                    #expect(error?.message.contains("while it ran, which changes how the values") == true, "\(mode)")
                }
            }
            #expect(try f.allProfiles().isEmpty)
        }

        /// Values spelled by the search_path (regclass) and columns named like system columns.
        @Test func regclassValuesAndSystemColumnNamesEqualAClientSideRun() throws {
            let f = try WarehouseDiffTests.fixture(.sqlite)
            try f.warehouse(
                "CREATE TABLE t1 (id int, r regclass, v int); INSERT INTO t1 VALUES (1, 't1', 5), (2, 'pg_class', 6)")
            let model =
                "-- key: id\n-- diff: warehouse\nSELECT id, r, tableoid::regclass AS part, v AS ctid, 1 AS xmin FROM t1"
            try f.model("t1", model.replacingOccurrences(of: "-- diff: warehouse\n", with: ""))
            #expect(try f.sync("t1").record.added == 2)
            try f.model("t1", model)
            let switched = try f.sync("t1").record
            let profiles = try f.allProfiles()
            #expect(switched.counts.traitsWritten == 0, "\(switched.counts) \(profiles)")
            #expect(try f.traits("1")["part"] == "\"t1\"" && f.traits("1")["ctid"] == "5")
            try f.warehouse("UPDATE t1 SET v = 7 WHERE id = 2")
            #expect(try f.sync("t1").record.changed == 1)
            #expect(try f.traits("2")["ctid"] == "7")
        }

        /// A result type in a schema the role may not use: `grants` asks for it, the error says so.
        @Test func aResultTypeOfAnotherSchemaNeedsUsageAndGrantsSaysSo() async throws {
            let f = try WarehouseDiffTests.fixture(.sqlite)
            try f.warehouse(
                """
                CREATE SCHEMA typs; CREATE TYPE typs.lvl AS ENUM ('lo', 'hi');
                CREATE TABLE u (id int, l typs.lvl); INSERT INTO u VALUES (1, 'lo');
                """)
            let role = try TestPostgres.createRole(password: "types-role-secret", in: f.warehouseDatabase)
            try f.warehouse("GRANT USAGE, CREATE ON SCHEMA ws_scratch TO \(role); REVOKE pg_read_all_data FROM \(role)")
            try f.warehouse("GRANT SELECT ON u TO \(role)")
            try f.model("u", "-- key: id\n-- diff: warehouse\nSELECT id, l FROM u")
            let report = await runCLI(["grants", "--role", "cdp_reader"], in: f.directory)
            #expect(report.out.contains("GRANT USAGE ON SCHEMA typs TO cdp_reader;"), "\(report.out)")
            try f.writeConfig(
                sourceURL: try TestPostgres.tcpURL(database: f.warehouseDatabase, role: role),
                extraSource: WarehouseDiffTests.scratch + "\npassword = \"types-role-secret\"")
            let error = #expect(throws: ConnectorError.self) { try f.sync("u") }
            #expect(error?.hint?.contains("USAGE on the schema of each type of the result's columns (typs)") == true)
            try f.warehouse("GRANT USAGE ON SCHEMA typs TO \(role)")
            #expect(try f.sync("u").record.added == 1)
        }

        /// A key's length is counted in UTF-8 bytes, as the store counts it, on a LATIN1 database too.
        @Test func overLongKeysOfALatin1DatabaseAreAlwaysInvalid() throws {
            let f = try WarehouseDiffTests.fixture(.sqlite)
            let name = "latin_\(UUID().uuidString.prefix(8).lowercased())"
            try PGConnection(conninfo: try TestPostgres.url()).execute(
                "CREATE DATABASE \(name) ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
            let latin = try PGConnection(conninfo: try TestPostgres.url(database: name))
            try latin.execute(
                "CREATE SCHEMA ws_scratch; CREATE TABLE k (id text, v int); "
                    + "INSERT INTO k VALUES (repeat(chr(233), 600), 1), ('ok', 2)")
            try f.writeConfig(sourceURL: try TestPostgres.url(database: name), extraSource: WarehouseDiffTests.scratch)
            try f.model("k", "-- key: id\n-- diff: warehouse\n-- skip_unchanged: false\nSELECT id, v FROM k")
            for _ in 1...2 {
                let run = try f.sync("k").record
                #expect(run.invalid == 1 && run.rowsRead == 2, "\(run.counts)")
            }
        }
    }
}

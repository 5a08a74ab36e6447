import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// docs/warehouse-diff.md: `-- diff: warehouse` compares the result inside the warehouse and streams only the
/// rows that changed; its profiles and counts equal a client-side run's of the same data.
@Suite(.serialized) struct WarehouseDiffTests {
    static let scratch = "scratch_schema = \"ws_scratch\""

    /// A fixture whose source has the scratch schema (created by the warehouse's owner).
    static func fixture(_ store: StoreKind) throws -> SyncFixture {
        let f = try SyncFixture(store: store)
        try f.writeConfig(extraSource: scratch)
        try f.warehouse("CREATE SCHEMA ws_scratch")
        return f
    }

    /// A second project on the same warehouse, diffing client-side.
    static func clientTwin(of f: SyncFixture, _ store: StoreKind, model: String, _ text: String) throws -> SyncFixture {
        let twin = try SyncFixture(store: store)
        twin.reuseWarehouse(of: f)
        try twin.model(model, text.replacingOccurrences(of: "-- diff: warehouse\n", with: ""))
        return twin
    }

    /// The model's tables in the scratch schema.
    static func scratchTables(_ f: SyncFixture) throws -> [String] {
        let rows = try PGConnection(conninfo: f.warehouseURL).execute(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'ws_scratch' ORDER BY 1")
        return (0..<rows.rowCount).map { rows.text($0, 0)! }
    }

    static let features = """
        CREATE TABLE features (id text, score int, tier text, amount numeric(12,2), seen timestamptz, tags text[],
            attrs jsonb, vip boolean);
        INSERT INTO features SELECT 'k' || g, g % 1000, CASE WHEN g % 3 = 0 THEN 'gold' ELSE NULL END, g * 0.25,
            timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute', ARRAY['a' || (g % 5), 'b'],
            jsonb_build_object('n', g % 7, 's', 'x' || g), g % 11 = 0
        FROM generate_series(1, 3000) g;
        """

    static let model = """
        -- key: id
        -- diff: warehouse
        -- max_removed: 100%
        SELECT id, score, tier, amount, seen, tags, attrs, vip FROM features
        """

    /// Rounds of changes of every kind; after each, both projects sync and must agree.
    static let rounds = [
        "UPDATE features SET score = score + 1 WHERE id IN ('k1', 'k2', 'k300')",
        "DELETE FROM features WHERE id IN ('k5', 'k6'); INSERT INTO features VALUES ('new1', 1, 'x', 1.5, NULL, "
            + "NULL, NULL, NULL)",
        // Values rewritten to themselves, and a NULL turned into a value and back into NULL.
        "UPDATE features SET tier = tier WHERE id LIKE 'k1%'; UPDATE features SET tier = 'gold' WHERE id = 'k7'",
        "UPDATE features SET tier = NULL WHERE id = 'k7'; UPDATE features SET attrs = '{\"n\": 1}' WHERE id = 'k8'",
        // Unusable keys: counted invalid by both, never written.
        "INSERT INTO features VALUES (NULL, 5, 'n', 1, NULL, NULL, NULL, NULL), ('   ', 6, 'b', 2, NULL, NULL, NULL, "
            + "NULL), ('', 7, 'e', 3, NULL, NULL, NULL, NULL)",
        // A removed key comes back, and keys that sort between others by bytes, not by a collation.
        "INSERT INTO features VALUES ('k5', 5, 'back', 5, NULL, NULL, NULL, NULL), ('K5', 1, NULL, 0, NULL, NULL, "
            + "NULL, NULL), ('k_5', 2, NULL, 0, NULL, NULL, NULL, NULL), ('é', 3, NULL, 0, NULL, NULL, NULL, NULL)",
        "UPDATE features SET amount = amount + 0.01, vip = NOT vip WHERE substr(md5(id), 1, 2) = 'ab'",
        "DELETE FROM features WHERE substr(md5(id), 1, 2) = 'cd'",
        // The table was written to, its rows were not changed: an unchanged rerun.
        "UPDATE features SET score = score WHERE id = 'k1'",
    ]

    @Test(arguments: [StoreKind.sqlite, .postgres])
    func profilesAndCountsEqualAClientSideRunsAndFewBytesLeaveTheWarehouse(store: StoreKind) throws {
        let f = try Self.fixture(store)
        try f.warehouse(Self.features)
        try f.model("features", Self.model)
        let twin = try Self.clientTwin(of: f, store, model: "features", Self.model)
        for (round, change) in Self.rounds.enumerated() {
            if !change.isEmpty { try f.warehouse(change) }
            let inside = try f.sync("features", SyncOptions(force: true)).record
            let outside = try twin.sync("features", SyncOptions(force: true)).record
            #expect(inside.status == .succeeded, "round \(round): \(inside.error ?? "")")
            for field in [\DiffCounts.added, \.changed, \.removed, \.unchanged, \.rowsRead, \.traitsWritten] {
                #expect(inside.counts[keyPath: field] == outside.counts[keyPath: field], "round \(round) \(field)")
            }
            #expect(try f.allProfiles() == twin.allProfiles(), "round \(round)")
            if round > 0 {
                #expect(
                    inside.bytesReceived * 10 < outside.bytesReceived,
                    "round \(round): \(inside.bytesReceived) bytes inside, \(outside.bytesReceived) client-side")
            }
            let current = try #require(try f.store().snapshotInfo(model: "features")?.scratch?.table)
            #expect(try Self.scratchTables(f) == [current])
        }
        #expect(try f.allProfiles()["k5"]?["tier"] == "\"back\"")
        #expect(try f.allProfiles()[""] == nil && f.allProfiles()["   "] == nil)
    }

    @Test func switchingBetweenClientAndWarehouseResendsNothing() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(Self.features)
        let client = Self.model.replacingOccurrences(of: "-- diff: warehouse\n", with: "")
        try f.model("features", client)
        #expect(try f.sync("features").record.added == 3000)
        // client -> warehouse: the first warehouse-side run compares with the store's snapshot.
        try f.model("features", Self.model)
        var run = try f.sync("features").record
        #expect(run.counts.traitsWritten == 0 && run.unchanged == 3000, "\(run.counts)")
        try f.warehouse("UPDATE features SET score = -1 WHERE id = 'k9'")
        run = try f.sync("features").record
        #expect(run.changed == 1 && run.counts.traitsWritten == 1, "\(run.counts)")
        // warehouse -> client, a change in between, and back: each run writes only what changed.
        try f.model("features", client)
        try f.warehouse("UPDATE features SET score = -2 WHERE id = 'k9'")
        run = try f.sync("features").record
        #expect(run.changed == 1 && run.counts.traitsWritten == 1, "\(run.counts)")
        #expect(try f.store().snapshotInfo(model: "features")?.scratch == nil)
        try f.warehouse("UPDATE features SET score = -3 WHERE id = 'k9'")
        try f.model("features", Self.model)
        run = try f.sync("features").record
        #expect(run.changed == 1 && run.counts.traitsWritten == 1, "\(run.counts)")
        #expect(try f.traits("k9")["score"] == "-3")
        #expect(try Self.scratchTables(f).count == 1, "the table of the earlier warehouse-side run is gone")
        // A trait renamed with the same values: the hashes would agree, the shape does not.
        try f.model("features", Self.model.replacingOccurrences(of: "score,", with: "score AS points,"))
        run = try f.sync("features", SyncOptions(acceptSchema: true)).record
        #expect(run.changed == 3000, "\(run.counts)")
        #expect(try f.traits("k9")["points"] == "-3" && f.traits("k9")["score"] == nil)
    }

    @Test func duplicateKeysAreReportedAsClientSideAndNothingIsWritten() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(Self.features)
        try f.model("features", Self.model)
        try f.sync("features")
        let before = try Self.scratchTables(f)
        try f.warehouse(
            "INSERT INTO features SELECT * FROM features WHERE id IN ('k10', 'k11'); "
                + "INSERT INTO features SELECT * FROM features WHERE id = 'k10'; UPDATE features SET score = 0")
        let twin = try Self.clientTwin(of: f, .sqlite, model: "features", Self.model)
        let inside = #expect(throws: SyncError.self) { try f.sync("features") }
        let outside = #expect(throws: SyncError.self) { try twin.sync("features") }
        #expect(inside?.code == .duplicateKeys)
        #expect(inside?.message == outside?.message, "\(inside?.message ?? "")")
        #expect(inside?.message.contains("k10 (4 rows), k11 (2 rows)") == true, "\(inside?.message ?? "")")
        #expect(try Self.scratchTables(f) == before, "a failed run leaves no table of its own")
        #expect(try f.traits("k1")["score"] == "1")
    }

    @Test func heldAndDryRunsKeepTheCurrentTableAndWriteNone() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(Self.features)
        try f.model("features", Self.model.replacingOccurrences(of: "100%", with: "10%"))
        try f.sync("features")
        let current = try Self.scratchTables(f)
        try f.warehouse("DELETE FROM features WHERE substr(id, 2, 1) IN ('1', '2')")
        let dry = try f.sync("features", SyncOptions(dryRun: true))
        #expect(dry.wouldWrite?.removed == 2222 && dry.blockedMessage != nil)
        let held = try f.sync("features").record
        #expect(held.status == .blocked && held.error?.contains("max_removed") == true)
        #expect(try Self.scratchTables(f) == current)
        let forced = try f.sync("features", SyncOptions(force: true)).record
        #expect(forced.removed == 2222 && forced.status == .succeeded)
        #expect(try Self.scratchTables(f) != current && Self.scratchTables(f).count == 1)
    }

    @Test func maxChangedAndOnRemoveKeepBehaveAsClientSide() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(Self.features)
        let model = Self.model.replacingOccurrences(
            of: "-- max_removed: 100%", with: "-- max_changed: 5%\n-- on_remove: keep")
        try f.model("features", model)
        let twin = try Self.clientTwin(of: f, .sqlite, model: "features", model)
        let rounds: [(String, SyncOptions)] = [
            ("", SyncOptions()), ("UPDATE features SET score = score + 1 WHERE substr(id, 2, 1) = '1'", SyncOptions()),
            ("", SyncOptions(force: true)), ("DELETE FROM features WHERE substr(id, 2, 2) = '88'", SyncOptions()),
        ]
        var statuses: [RunRecord.Status] = []
        for (change, options) in rounds {
            if !change.isEmpty { try f.warehouse(change) }
            let inside = try f.sync("features", options).record
            let outside = try twin.sync("features", options).record
            #expect(inside.status == outside.status && inside.error == outside.error, "\(inside.error ?? "")")
            #expect(inside.counts == outside.counts)
            #expect(try f.allProfiles() == twin.allProfiles())
            statuses.append(inside.status)
        }
        #expect(statuses == [.succeeded, .blocked, .succeeded, .succeeded], "\(statuses)")
        #expect(try f.traits("k88")["score"] == "88", "on_remove: keep")
    }

    @Test func segmentsAndSchemaDriftBehaveAsClientSide() throws {
        let f = try Self.fixture(.postgres)
        try f.warehouse(Self.features)
        let segment = "-- key: id\n-- kind: segment\n-- diff: warehouse\nSELECT id FROM features WHERE score < 100"
        try f.model("low_score", segment)
        let twin = try Self.clientTwin(of: f, .postgres, model: "low_score", segment)
        for change in ["", "UPDATE features SET score = 5 WHERE id = 'k500'", "DELETE FROM features WHERE id = 'k1'"] {
            if !change.isEmpty { try f.warehouse(change) }
            let inside = try f.sync("low_score").record
            let outside = try twin.sync("low_score").record
            #expect(inside.counts == outside.counts)
            #expect(try f.allProfiles() == twin.allProfiles())
        }
        // A dropped trait is drift: held as in client-side mode, until accepted.
        let twinFeatures = try Self.clientTwin(of: f, .postgres, model: "features", Self.model)
        try f.model("features", Self.model)
        try f.sync("features")
        try twinFeatures.sync("features")
        let narrower = Self.model.replacingOccurrences(of: ", vip", with: "")
        try f.model("features", narrower)
        try twinFeatures.model("features", narrower.replacingOccurrences(of: "-- diff: warehouse\n", with: ""))
        let held = try f.sync("features").record
        #expect(held.status == .blocked && held.error?.contains("vip") == true, "\(held.status) \(held.error ?? "-")")
        #expect(held.error == (try twinFeatures.sync("features").record.error))
        let accepted = try f.sync("features", SyncOptions(acceptSchema: true)).record
        #expect(accepted.status == .succeeded && accepted.changed == 2999, "\(accepted.counts)")
        #expect(accepted.counts == (try twinFeatures.sync("features", SyncOptions(acceptSchema: true)).record.counts))
        let withoutSegment = try f.allProfiles().mapValues { $0.filter { $0.key != "low_score" } }.filter {
            !$0.value.isEmpty
        }
        #expect(withoutSegment == (try twinFeatures.allProfiles()))
    }

    @Test func theModelsQueryRunsReadOnlyAndTheRoleNeedsOnlyTheScratchSchema() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(
            Self.features + """
                CREATE TABLE audit (n int);
                CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql VOLATILE
                    AS 'INSERT INTO audit VALUES (1) RETURNING n';
                """)
        let role = try TestPostgres.createRole(password: "scratch-role-secret", in: f.warehouseDatabase)
        try f.warehouse(
            """
            GRANT SELECT ON features TO \(role); GRANT USAGE, CREATE ON SCHEMA ws_scratch TO \(role);
            GRANT EXECUTE ON FUNCTION sneaky() TO \(role); GRANT INSERT, SELECT ON audit TO \(role);
            """)
        try f.writeConfig(
            sourceURL: try TestPostgres.tcpURL(database: f.warehouseDatabase, role: role),
            extraSource: Self.scratch + "\npassword = \"scratch-role-secret\"")
        try f.warehouse("REVOKE pg_read_all_data FROM \(role)")
        try f.model("features", Self.model)
        #expect(try f.sync("features").record.added == 3000)
        try f.model("features", Self.model.replacingOccurrences(of: "vip FROM", with: "vip, sneaky() AS s FROM"))
        let error = #expect(throws: ConnectorError.self) { try f.sync("features", SyncOptions(acceptSchema: true)) }
        #expect(error?.message.contains("read-only transaction") == true, "\(String(describing: error))")
        let written = try PGConnection(conninfo: f.warehouseURL).execute("SELECT count(*) FROM audit")
        #expect(written.text(0, 0) == "0")
        let dataModifying = Self.model.replacingOccurrences(
            of: "SELECT id", with: "WITH gone AS (DELETE FROM audit RETURNING n) SELECT id")
        try f.model("features", dataModifying)
        #expect(throws: (any Error).self) { try f.sync("features") }
        let tables = try Self.scratchTables(f)
        #expect(tables.count == 1, "\(tables)")
    }

    @Test func aRevertMakesTheNextWarehouseSideRunCompareWithTheSnapshot() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(Self.features)
        try f.model("features", Self.model)
        try f.sync("features")
        try f.warehouse("UPDATE features SET score = -5 WHERE id = 'k3'")
        let bad = try f.sync("features").record
        #expect(bad.changed == 1)
        _ = try RevertRunner(project: try f.project()).revert(bad.id, force: false, dryRun: false)
        #expect(try f.traits("k3")["score"] == "3")
        #expect(try f.store().snapshotInfo(model: "features")?.scratch == nil)
        // The warehouse still says -5; its table still holds that row's hash: only the snapshot knows.
        let next = try f.sync("features").record
        #expect(next.changed == 1 && next.counts.traitsWritten == 1, "\(next.counts)")
        #expect(try f.traits("k3")["score"] == "-5")
    }

    @Test func cancellingARunStopsTheWarehouseStatementAndWritesNothing() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(Self.features)
        try f.model(
            "slow", "-- key: id\n-- diff: warehouse\nSELECT id, score FROM features WHERE pg_sleep(0.1) IS NOT NULL")
        let project = try f.project()
        let model = try #require(project.model(named: "slow"))
        let token = CancellationToken()
        let cancelledAt = LockedBox<Date?>(nil)
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) {
            cancelledAt.set(Date())
            token.cancel()
        }
        #expect(throws: (any Error).self) {
            try SyncRunner(project: project).run(model, options: SyncOptions(), token: token)
        }
        let cancelled = try #require(cancelledAt.get(), "the run ended before it was cancelled")
        #expect(Date().timeIntervalSince(cancelled) < 60, "the 300 s statement was cancelled")
        let active = try PGConnection(conninfo: f.warehouseURL).execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep%' AND state = 'active' "
                + "AND pid <> pg_backend_pid()")
        #expect(active.text(0, 0) == "0")
        #expect(try f.store().runs(model: "slow", limit: 1).first?.status == .skipped)
        #expect(try Self.scratchTables(f).isEmpty)
    }

    @Test func aMissingScratchSchemaSaysWhatToDo() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.writeConfig(extraSource: Self.scratch)
        try f.warehouse(Self.features)
        try f.model("features", Self.model)
        let error = #expect(throws: ConnectorError.self) { try f.sync("features") }
        #expect(
            error?.description.contains("schema \"ws_scratch\" does not exist") == true, "\(String(describing: error))")
        #expect(error?.hint?.contains("scratch_schema ws_scratch must exist") == true)
        #expect(try f.store().runs(model: "features", limit: 1).first?.status == .failed)
        #expect(try f.allProfiles().isEmpty)
    }

    /// Keys compared by their bytes, as the store compares them, whatever the column's collation.
    @Test func aCaseInsensitiveKeyColumnIsComparedByItsBytes() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(
            """
            CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
            CREATE TABLE people (email text COLLATE ci, v int);
            INSERT INTO people SELECT 'user' || g || '@x.com', g FROM generate_series(1, 100) g;
            INSERT INTO people VALUES ('Bob@x.com', 1), ('bob@x.com', 2);
            """)
        let model = "-- key: email\n-- diff: warehouse\n-- max_removed: 100%\nSELECT email, v FROM people"
        try f.model("people", model)
        let twin = try Self.clientTwin(of: f, .sqlite, model: "people", model)
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
        let f = try Self.fixture(.sqlite)
        try f.warehouse("CREATE TABLE codes (id int, c char(5)); INSERT INTO codes VALUES (1, 'ab'), (2, NULL)")
        let model = "-- key: id\n-- diff: warehouse\n-- schema: evolve\nSELECT id, c FROM codes"
        try f.model("codes", model)
        let twin = try Self.clientTwin(of: f, .sqlite, model: "codes", model)
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

    /// A model that moves the session's search_path, or whose plan would call a writer while it is
    /// planned, gets nothing written: its text runs only read-only, ours with a fixed search_path.
    @Test func aModelCannotMakeWarehouseSyncsOwnStatementsWrite() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(
            """
            CREATE TABLE t (id int, v int); INSERT INTO t VALUES (1, 1), (2, 2);
            CREATE TABLE victim (note text);
            CREATE SCHEMA mal;
            CREATE FUNCTION mal.btrim(a text, b text) RETURNS text LANGUAGE plpgsql AS $$BEGIN
              IF current_setting('transaction_read_only') = 'off' THEN
                INSERT INTO public.victim VALUES ('btrim');
              END IF;
              RETURN pg_catalog.btrim(a, b); END$$;
            CREATE FUNCTION writer(n int) RETURNS int LANGUAGE plpgsql VOLATILE AS $$BEGIN
              INSERT INTO public.victim VALUES ('planned'); RETURN n; END$$;
            CREATE FUNCTION tag_imm(n int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT writer(n)';
            """)
        try f.model(
            "t",
            "-- key: id\n-- diff: warehouse\n-- skip_unchanged: false\nSELECT id, v FROM t WHERE "
                + "set_config('search_path', 'mal, pg_catalog, pg_temp', false) IS NOT NULL")
        #expect(try f.sync("t").record.added == 2)
        try f.model(
            "t", "-- key: id\n-- diff: warehouse\n-- skip_unchanged: false\nSELECT id, v, tag_imm(7) AS w FROM t")
        #expect(throws: (any Error).self) { try f.sync("t", SyncOptions(acceptSchema: true)) }
        let victim = try PGConnection(conninfo: f.warehouseURL).execute("SELECT count(*) FROM victim")
        #expect(victim.text(0, 0) == "0")
    }

    @Test func reservedColumnNamesAndRowTypedColumnsAreRefusedWithWhatToDo() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse("CREATE TABLE t (id int, v int); INSERT INTO t VALUES (1, 1), (2, 2)")
        for mode in ["client", "warehouse"] {
            for name in ["__warehouse_sync_removed", "__warehouse_sync_hash", "__Warehouse_Sync_Key"] {
                try f.model("t", "-- key: id\n-- diff: \(mode)\nSELECT id, v = 2 AS \"\(name)\" FROM t")
                let error = #expect(throws: SyncError.self) { try f.sync("t") }
                #expect(error?.message.contains("a name WarehouseSync reserves") == true, "\(mode) \(name)")
            }
        }
        try f.model("t", "-- key: id\n-- diff: warehouse\nSELECT id, ROW(v, 'x') AS r FROM t")
        let error = #expect(throws: ConnectorError.self) { try f.sync("t") }
        #expect(error?.message.contains("column r has type record, which a table cannot hold") == true)
        #expect(error?.hint?.contains("-- diff: client") == true)
        #expect(try f.allProfiles().isEmpty)
    }

    /// Two projects, one scratch schema, the same model name: each store keeps its own tables.
    @Test func twoStoresShareAScratchSchemaWithoutTouchingEachOthersTables() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(Self.features)
        try f.model("features", Self.model)
        let other = try SyncFixture(store: .sqlite)
        other.reuseWarehouse(of: f)
        try other.writeConfig(extraSource: Self.scratch)
        try other.model("features", Self.model)
        for round in 1...3 {
            try f.warehouse("UPDATE features SET score = -\(round) WHERE id = 'k3'")
            for project in [f, other] {
                let run = try project.sync("features").record
                #expect(round == 1 || (run.changed == 1 && run.bytesReceived < 20_000), "\(run.bytesReceived)")
            }
        }
        #expect(try Self.scratchTables(f).count == 2)
    }

    /// User-defined types, in the default schema and another, keep their type in the session's table.
    @Test func enumsDomainsAndTypesOfOtherSchemasEqualAClientSideRun() throws {
        let f = try Self.fixture(.sqlite)
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
        let twin = try Self.clientTwin(of: f, .sqlite, model: "typed", model)
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
        let f = try Self.fixture(.sqlite)
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
        let f = try Self.fixture(.sqlite)
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
        let f = try Self.fixture(.sqlite)
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
            extraSource: Self.scratch + "\npassword = \"types-role-secret\"")
        let error = #expect(throws: ConnectorError.self) { try f.sync("u") }
        #expect(error?.hint?.contains("USAGE on the schema of each type of the result's columns (typs)") == true)
        try f.warehouse("GRANT USAGE ON SCHEMA typs TO \(role)")
        #expect(try f.sync("u").record.added == 1)
    }

    /// A key's length is counted in UTF-8 bytes, as the store counts it, on a LATIN1 database too.
    @Test func overLongKeysOfALatin1DatabaseAreAlwaysInvalid() throws {
        let f = try Self.fixture(.sqlite)
        let name = "latin_\(UUID().uuidString.prefix(8).lowercased())"
        try PGConnection(conninfo: try TestPostgres.url()).execute(
            "CREATE DATABASE \(name) ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
        let latin = try PGConnection(conninfo: try TestPostgres.url(database: name))
        try latin.execute(
            "CREATE SCHEMA ws_scratch; CREATE TABLE k (id text, v int); "
                + "INSERT INTO k VALUES (repeat(chr(233), 600), 1), ('ok', 2)")
        try f.writeConfig(sourceURL: try TestPostgres.url(database: name), extraSource: Self.scratch)
        try f.model("k", "-- key: id\n-- diff: warehouse\n-- skip_unchanged: false\nSELECT id, v FROM k")
        for _ in 1...2 {
            let run = try f.sync("k").record
            #expect(run.invalid == 1 && run.rowsRead == 2, "\(run.counts)")
        }
    }
}

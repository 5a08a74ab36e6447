import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

extension WarehouseDiffTests {
    /// What a diff inside the warehouse may write and where: read-only model text, the scratch schema only,
    /// cancellation, clean-up, and refusals that say what to do.
    @Suite struct Safety {
        @Test func theModelsQueryRunsReadOnlyAndTheRoleNeedsOnlyTheScratchSchema() throws {
            let f = try WarehouseDiffTests.fixture(.sqlite)
            try f.warehouse(
                WarehouseDiffTests.features + """
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
                extraSource: WarehouseDiffTests.scratch + "\npassword = \"scratch-role-secret\"")
            try f.warehouse("REVOKE pg_read_all_data FROM \(role)")
            try f.model("features", WarehouseDiffTests.model)
            #expect(try f.sync("features").record.added == 3000)
            try f.model(
                "features",
                WarehouseDiffTests.model.replacingOccurrences(of: "vip FROM", with: "vip, sneaky() AS s FROM"))
            let error = #expect(throws: ConnectorError.self) { try f.sync("features", SyncOptions(acceptSchema: true)) }
            #expect(error?.message.contains("read-only transaction") == true, "\(String(describing: error))")
            let written = try PGConnection(conninfo: f.warehouseURL).execute("SELECT count(*) FROM audit")
            #expect(written.text(0, 0) == "0")
            let dataModifying = WarehouseDiffTests.model.replacingOccurrences(
                of: "SELECT id", with: "WITH gone AS (DELETE FROM audit RETURNING n) SELECT id")
            try f.model("features", dataModifying)
            #expect(throws: (any Error).self) { try f.sync("features") }
            let tables = try WarehouseDiffTests.scratchTables(f)
            #expect(tables.count == 1, "\(tables)")
        }

        @Test func aRevertMakesTheNextWarehouseSideRunCompareWithTheSnapshot() throws {
            let f = try WarehouseDiffTests.fixture(.sqlite)
            try f.warehouse(WarehouseDiffTests.features)
            try f.model("features", WarehouseDiffTests.model)
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
            let f = try WarehouseDiffTests.fixture(.sqlite)
            try f.warehouse(WarehouseDiffTests.features)
            try f.model(
                "slow", "-- key: id\n-- diff: warehouse\nSELECT id, score FROM features WHERE pg_sleep(0.1) IS NOT NULL"
            )
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
            #expect(try WarehouseDiffTests.scratchTables(f).isEmpty)
        }

        @Test func aMissingScratchSchemaSaysWhatToDo() async throws {
            let f = try SyncFixture(store: .sqlite)
            try f.writeConfig(extraSource: WarehouseDiffTests.scratch)
            try f.warehouse(WarehouseDiffTests.features)
            try f.model("features", WarehouseDiffTests.model)
            let validated = await runCLI(["validate", "--connect"], in: f.directory)
            #expect(validated.status == 2)
            #expect(
                validated.err.contains(
                    "models/features.sql:2: model features: source wh's scratch_schema ws_scratch does not "
                        + "exist, or its role has no privilege on it"), "\(validated.err)")
            try f.warehouse("CREATE SCHEMA ws_scratch")
            let fixed = await runCLI(["validate", "--connect"], in: f.directory)
            #expect(!fixed.err.contains("scratch_schema"), "\(fixed.err)")
            try f.warehouse("DROP SCHEMA ws_scratch")
            let error = #expect(throws: ConnectorError.self) { try f.sync("features") }
            #expect(
                error?.description.contains("schema \"ws_scratch\" does not exist") == true,
                "\(String(describing: error))")
            #expect(error?.hint?.contains("scratch_schema ws_scratch must exist") == true)
            #expect(try f.store().runs(model: "features", limit: 1).first?.status == .failed)
            #expect(try f.allProfiles().isEmpty)
        }

        /// A model that moves the session's search_path, or whose plan would call a writer while it is
        /// planned, gets nothing written: its text runs only read-only, ours with a fixed search_path.
        @Test func aModelCannotMakeWarehouseSyncsOwnStatementsWrite() throws {
            let f = try WarehouseDiffTests.fixture(.sqlite)
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
            let f = try WarehouseDiffTests.fixture(.sqlite)
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
            let f = try WarehouseDiffTests.fixture(.sqlite)
            try f.warehouse(WarehouseDiffTests.features)
            try f.model("features", WarehouseDiffTests.model)
            let other = try SyncFixture(store: .sqlite)
            other.reuseWarehouse(of: f)
            try other.writeConfig(extraSource: WarehouseDiffTests.scratch)
            try other.model("features", WarehouseDiffTests.model)
            for round in 1...3 {
                try f.warehouse("UPDATE features SET score = -\(round) WHERE id = 'k3'")
                for project in [f, other] {
                    let run = try project.sync("features").record
                    #expect(round == 1 || (run.changed == 1 && run.bytesReceived < 20_000), "\(run.bytesReceived)")
                }
            }
            #expect(try WarehouseDiffTests.scratchTables(f).count == 2)
        }
    }
}

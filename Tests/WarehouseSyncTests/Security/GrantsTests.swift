import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The least-privilege check on the real server: what the example models read, GRANTs that are
/// enough for `sync`, and warnings for a role that can do more.
@Suite struct GrantsTests {
    /// The demo warehouse of the PostgreSQL example models, plus a view, a table no model reads,
    /// and a model over the view.
    static func project() throws -> SyncFixture {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            """
            CREATE TABLE orders (order_id int, user_id text, order_total numeric(12,2), order_date date);
            INSERT INTO orders VALUES (1, 'u1', 600.00, CURRENT_DATE - 10), (2, 'u1', 500.50, CURRENT_DATE - 200);
            CREATE TABLE policies (policy_id int, user_id text, status text, renewal_date date, risk_tier text);
            INSERT INTO policies VALUES (1, 'u1', 'active', DATE '2027-03-01', 'medium');
            CREATE SCHEMA crm;
            CREATE TABLE crm.accounts (user_id text, plan text, internal_notes text);
            INSERT INTO crm.accounts VALUES ('u1', 'gold', 'not for the CDP');
            CREATE VIEW crm.plans AS SELECT user_id, plan FROM crm.accounts;
            CREATE TABLE salaries (user_id text, amount int);
            """)
        let directory = repositoryRoot.appendingPathComponent("demo/postgres/models")
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".sql") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            try f.model(String(file.dropLast(4)), text.replacingOccurrences(of: "-- source: warehouse\n", with: ""))
        }
        try f.model(
            "plan",
            "-- key: user_id\nSELECT p.user_id, p.plan, (SELECT count(*) FROM orders o WHERE o.user_id = p.user_id) AS "
                + "orders\nFROM crm.plans p"
        )
        return f
    }

    /// Creates a login role with exactly `grants` (written for `cdp_reader`) and points the
    /// project's source at it, its password in `WH_PASSWORD`.
    static func useFreshRole(_ f: SyncFixture, grants: [String], extraSource: String = "") throws {
        let admin = try PGConnection(conninfo: f.warehouseURL)
        let role = "fresh_\(UUID().uuidString.prefix(6).lowercased())"
        let password = "Xq7\(UUID().uuidString)"
        try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD '\(password)'")
        for grant in grants { try admin.execute(grant.replacingOccurrences(of: "cdp_reader", with: role)) }
        f.environment = ["WH_PASSWORD": password]
        try f.writeConfig(
            sourceURL: "postgresql://\(role)@127.0.0.1:\(try TestPostgres.port())/\(f.warehouseDatabase)",
            extraSource: "password = \"${WH_PASSWORD}\"\n" + extraSource)
    }

    func sourceReport(_ out: String) throws -> [String: Any] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let sources = try #require(document["sources"] as? [[String: Any]])
        return try #require(sources.first)
    }

    /// docs/warehouse-diff.md: a diff in the warehouse needs USAGE and CREATE on its scratch schema, and its own
    /// tables there are not findings.
    @Test func aWarehouseSideDiffNeedsOnlyCreateOnItsScratchSchema() async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            "CREATE TABLE orders (user_id text, total int); INSERT INTO orders VALUES ('u1', 5), ('u2', 7); "
                + "CREATE SCHEMA ws_scratch")
        let scratch = "scratch_schema = \"ws_scratch\""
        try f.writeConfig(extraSource: scratch)
        try f.model("totals", "-- key: user_id\n-- diff: warehouse\nSELECT user_id, total FROM orders")
        let result = await runCLI(["grants", "--json", "--role", "cdp_reader"], in: f.directory)
        #expect(result.status == 0, "\(result.err)")
        let grants = try #require(try sourceReport(result.out)["grants"] as? [String])
        #expect(
            grants == [
                "GRANT USAGE ON SCHEMA public TO cdp_reader;", "GRANT SELECT ON public.orders TO cdp_reader;",
                "GRANT USAGE, CREATE ON SCHEMA ws_scratch TO cdp_reader;",
            ])
        try Self.useFreshRole(f, grants: grants, extraSource: scratch)
        for total in [8, 9] {
            try f.warehouse("UPDATE orders SET total = \(total) WHERE user_id = 'u1'")
            let sync = await runCLI(["sync", "totals"], in: f.directory, environment: f.environment)
            #expect(sync.status == 0, "\(sync.out)\(sync.err)")
            #expect(try f.traits("u1")["total"] == "\(total)")
        }
        let strict = await runCLI(["validate", "--connect", "--strict"], in: f.directory, environment: f.environment)
        #expect(strict.status == 0, "\(strict.out)\(strict.err)")
    }

    @Test func grantsListWhatTheModelsReadAndAreEnoughForSync() async throws {
        let f = try Self.project()
        let result = await runCLI(["grants", "--json", "--role", "cdp_reader"], in: f.directory)
        #expect(result.status == 0, "\(result.err)")
        let report = try sourceReport(result.out)
        let models = try #require(report["models"] as? [[String: Any]])
        var reads: [String: [String]] = [:]
        for model in models { reads[model["model"] as! String] = model["relations"] as? [String] }
        #expect(
            reads == [
                "active_policies": ["public.policies"], "high_value": ["public.orders"],
                "lifetime_value": ["public.orders"], "plan": ["crm.plans", "public.orders"],
            ])
        let plan = try #require(models.first { $0["model"] as? String == "plan" })
        #expect(plan["through_views"] as? [String] == ["crm.accounts"])
        let grants = try #require(report["grants"] as? [String])
        #expect(
            grants == [
                "GRANT USAGE ON SCHEMA crm TO cdp_reader;", "GRANT USAGE ON SCHEMA public TO cdp_reader;",
                "GRANT SELECT ON crm.plans TO cdp_reader;", "GRANT SELECT ON public.orders TO cdp_reader;",
                "GRANT SELECT ON public.policies TO cdp_reader;",
            ])
        // The test server's role is a superuser: the check says so, and --strict fails.
        let warnings = try #require(report["warnings"] as? [[String: Any]]).compactMap { $0["code"] as? String }
        #expect(warnings.contains("superuser"))
        #expect(await runCLI(["grants", "--strict"], in: f.directory).status == 2)

        // A fresh role given exactly those GRANTs: sync succeeds, and the strict check passes.
        try Self.useFreshRole(f, grants: grants)
        let sync = await runCLI(["sync", "--all"], in: f.directory, environment: f.environment)
        #expect(sync.status == 0, "\(sync.out)\(sync.err)")
        #expect(try f.traits("u1")["plan"] == "\"gold\"")
        let strict = await runCLI(["validate", "--connect", "--strict"], in: f.directory, environment: f.environment)
        #expect(strict.status == 0, "\(strict.err)")
        let text = await runCLI(["grants"], in: f.directory, environment: f.environment)
        #expect(text.out.contains("ok: the role can do nothing beyond what the models read"), "\(text.out)")
    }

    @Test func aRoleThatCanDeleteAndSignalBackendsIsWarnedAboutAndStrictFails() async throws {
        let f = try Self.project()
        let admin = try PGConnection(conninfo: f.warehouseURL)
        let role = "loose_\(UUID().uuidString.prefix(6).lowercased())"
        let password = "Zk9\(UUID().uuidString)"
        try admin.execute(
            """
            CREATE ROLE \(role) LOGIN PASSWORD '\(password)';
            GRANT USAGE ON SCHEMA crm TO \(role);
            GRANT SELECT ON orders, policies, crm.plans, salaries TO \(role);
            GRANT DELETE ON orders TO \(role);
            GRANT pg_signal_backend TO \(role);
            """)
        f.environment = ["WH_PASSWORD": password]
        try f.writeConfig(
            sourceURL: "postgresql://\(role)@127.0.0.1:\(try TestPostgres.port())/\(f.warehouseDatabase)",
            extraSource: "password = \"${WH_PASSWORD}\"")
        let result = await runCLI(["grants"], in: f.directory, environment: f.environment)
        #expect(result.status == 0)
        #expect(result.out.contains("warning: role \(role) can DELETE on 1 relation: public.orders"), "\(result.out)")
        #expect(result.out.contains("warning: role \(role) is a member of pg_signal_backend"))
        #expect(result.out.contains("warning: role \(role) can read 1 relation no model reads: public.salaries"))
        #expect(!result.out.contains("superuser"))
        let validate = await runCLI(["validate", "--connect"], in: f.directory, environment: f.environment)
        #expect(validate.status == 0)
        #expect(validate.err.contains("warning: warehouse-sync.toml:"))
        let strict = await runCLI(["validate", "--connect", "--strict"], in: f.directory, environment: f.environment)
        #expect(strict.status == 2)
        #expect(strict.err.contains("pg_signal_backend"))
        #expect(await runCLI(["grants", "--strict"], in: f.directory, environment: f.environment).status == 2)
    }

    @Test func qualifiedNamesAreReadAsPostgreSQLReadsThem() {
        #expect(
            SQLLexer.qualifiedNames("SELECT a.b, \"Sales\".\"Order\"\"s\" FROM crm . plans p -- x.y\nWHERE 'q.r' = 1.5")
                == [["select"], ["a", "b"], ["Sales", "Order\"s"], ["from"], ["crm", "plans"], ["p"], ["where"]])
    }

    /// Queries whose needs a plan alone does not show: a function in another schema, a view that
    /// runs with the caller's rights, a join the planner removes, a database-qualified name, a
    /// Unicode-escaped name, partitions and a CTE named like a table.
    @Test func grantsAreEnoughForEveryShapeOfQuery() async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            """
            CREATE TABLE victim (id int PRIMARY KEY, v int); INSERT INTO victim VALUES (1, 10), (2, 20);
            CREATE TABLE pk (id int PRIMARY KEY); INSERT INTO pk VALUES (1);
            CREATE SCHEMA util; CREATE FUNCTION util.double(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
            CREATE SCHEMA crm; CREATE TABLE crm.accounts (id int, plan text); INSERT INTO crm.accounts VALUES (1,
                'gold');
            CREATE VIEW crm.v_inv WITH (security_invoker = true) AS SELECT id, plan FROM crm.accounts;
            CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            INSERT INTO events VALUES (1, '2024-05-01'), (2, '2025-05-01');
            CREATE TABLE salaries (id int, amount int);
            """)
        let models = [
            "fn": "SELECT id, util.double(v) AS d FROM victim",
            "inv": "SELECT id, plan FROM crm.v_inv",
            "removed_join": "SELECT victim.id, victim.v AS w FROM victim LEFT JOIN pk ON pk.id = victim.id",
            "three_part": "SELECT id, v AS x FROM \(f.warehouseDatabase).public.victim",
            "unicode": "SELECT id, v AS y FROM U&\"\\0076ictim\"",
            "parts": "SELECT id, at FROM events",
            "cte": "WITH salaries AS (SELECT id, v AS z FROM victim) SELECT id, z FROM salaries",
        ]
        for (name, query) in models { try f.model(name, "-- key: id\n" + query) }
        let result = await runCLI(["grants", "--json", "--role", "cdp_reader"], in: f.directory)
        #expect(result.status == 0, "\(result.err)")
        let report = try sourceReport(result.out)
        let grants = try #require(report["grants"] as? [String])
        #expect(grants.contains("GRANT USAGE ON SCHEMA util TO cdp_reader;"), "\(grants)")
        #expect(grants.contains("GRANT SELECT ON crm.accounts TO cdp_reader;"), "\(grants)")
        #expect(grants.contains("GRANT SELECT ON public.pk TO cdp_reader;"), "\(grants)")
        #expect(grants.contains("GRANT SELECT ON public.events TO cdp_reader;"), "\(grants)")
        #expect(!grants.contains { $0.contains("events_2024") || $0.contains("salaries") }, "\(grants)")
        try Self.useFreshRole(f, grants: grants)
        for name in models.keys.sorted() {
            let sync = await runCLI(["sync", name], in: f.directory, environment: f.environment)
            #expect(sync.status == 0, "\(name): \(sync.out)\(sync.err)")
        }
        let strict = await runCLI(["grants", "--strict"], in: f.directory, environment: f.environment)
        #expect(strict.status == 0, "\(strict.out)")
    }
}

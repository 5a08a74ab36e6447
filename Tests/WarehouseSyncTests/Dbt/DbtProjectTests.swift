import Foundation
import TestSupport
import Testing

@testable import SyncCore
@testable import WarehouseSync

/// docs/dbt.md with the real dbt-core and dbt-postgres on the throwaway PostgreSQL: refs resolve
/// through the manifest of either target, `sync --after-dbt` follows a dbt run, exposures parse in
/// dbt, and `validate --dbt-manifest` names what a pull request would break.
@Suite(.serialized, .enabled(if: TestDbt.enabled)) struct DbtProjectTests {
    static let ltv = """
        -- key: customer_id
        -- The mart's relation differs between dev and prod; the ref does not.
        SELECT customer_id::text AS customer_id, round(lifetime_value::numeric, 2)::text AS lifetime_value
        FROM {{ ref('customer_ltv') }}
        """

    @Test func theSameModelFileSyncsFromEitherTargetsRelation() async throws {
        let f = try DbtFixture()
        try f.build(target: "dev")
        try f.build(target: "prod")
        try f.sync.warehouse("UPDATE prod_marts.ltv_by_customer SET lifetime_value = 999 WHERE customer_id = 1")
        try f.sync.model("ltv", Self.ltv)

        try f.dbt("parse --target dev")
        let dev = try f.sync.project().model(named: "ltv")
        #expect(dev?.sql.contains("FROM \"\(f.sync.warehouseDatabase)\".\"dev_marts\".\"ltv_by_customer\"") == true)
        #expect(dev?.dbtNodes == ["model.shop.customer_ltv"])
        let plan = await runCLI(["plan", "ltv"], in: f.directory)
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(
            plan.out.contains(
                "ltv: {{ ref('customer_ltv') }} reads \"\(f.sync.warehouseDatabase)\".\"dev_marts\".\"ltv_by_customer\""
            ),
            "\(plan.out)")
        let first = await runCLI(["sync", "ltv"], in: f.directory)
        #expect(first.status == 0, "\(first.out)\(first.err)")
        #expect(try f.sync.traits("1")["lifetime_value"] == "\"150.50\"")

        try f.dbt("parse --target prod")
        let second = await runCLI(["sync", "ltv"], in: f.directory)
        #expect(second.status == 0, "\(second.out)\(second.err)")
        #expect(try f.sync.traits("1")["lifetime_value"] == "\"999.00\"", "read from prod_marts")
        #expect(try f.sync.traits("2")["lifetime_value"] == "\"99.99\"")
        // Each run records what its references read: runs show tells the dev run from the prod one.
        let runs = try f.sync.store().runs(model: "ltv", limit: 2)
        let prod = try #require(runs.first { $0.reads?.contains("\"prod_marts\".\"ltv_by_customer\"") == true })
        #expect(runs.contains { $0.reads?.contains("\"dev_marts\".\"ltv_by_customer\"") == true })
        let shown = await runCLI(["runs", "show", prod.id], in: f.directory)
        #expect(shown.out.contains("reads") && shown.out.contains("{{ ref('customer_ltv') }} reads"), "\(shown.out)")
        let validate = await runCLI(["validate", "--connect"], in: f.directory)
        #expect(validate.status == 0, "\(validate.err)")
    }

    @Test func anUnknownRefOrAMissingManifestIsReportedAtTheModelFile() async throws {
        let f = try DbtFixture()
        try f.sync.model("ltv", "-- key: customer_id\nSELECT customer_id\nFROM {{ ref('customer_lvt') }}\n")
        let unparsed = await runCLI(["validate"], in: f.directory)
        #expect(unparsed.status == 2)
        #expect(unparsed.err.contains("analytics/target/manifest.json: it does not exist"), "\(unparsed.err)")
        #expect(unparsed.err.contains("run `dbt parse`"), "\(unparsed.err)")
        try f.dbt("parse")
        let unknown = await runCLI(["validate"], in: f.directory)
        #expect(unknown.status == 2)
        #expect(
            unknown.err.contains(
                "models/ltv.sql:3: model ltv: ref('customer_lvt') is not a model, seed or snapshot of the dbt "
                    + "manifest"),
            "\(unknown.err)")
        #expect(unknown.err.contains("did you mean customer_ltv?"), "\(unknown.err)")
        try f.sync.model("ltv", "-- key: customer_id\nSELECT customer_id FROM {{ ref('legacy_scores') }}\n")
        let disabled = await runCLI(["validate"], in: f.directory)
        #expect(disabled.err.contains("names a disabled dbt model"), "\(disabled.err)")
    }

    @Test func anEphemeralRefIsAValidateErrorAndAWarehouseErrorPointsAtTheFilesColumn() async throws {
        let f = try DbtFixture()
        try f.build(target: "dev")
        try "{{ config(materialized='ephemeral') }}\nselect customer_id from {{ ref('customer_ltv') }}\n".write(
            to: f.analytics.appendingPathComponent("models/marts/ltv_ephemeral.sql"), atomically: true,
            encoding: .utf8)
        try f.dbt("parse --target dev")
        try f.sync.model(
            "eph", "-- key: customer_id\nSELECT customer_id::text AS customer_id FROM {{ ref('ltv_ephemeral') }}\n")
        let ephemeral = await runCLI(["validate"], in: f.directory)
        #expect(ephemeral.status == 2)
        #expect(
            ephemeral.err.contains(
                "models/eph.sql:2: model eph: ref('ltv_ephemeral') names an ephemeral dbt model (materialized: "
                    + "ephemeral), which has no relation in the warehouse"), "\(ephemeral.err)")
        try FileManager.default.removeItem(at: f.sync.directory.appendingPathComponent("models/eph.sql"))

        // An E'' string before the ref: the ref is still found and replaced (PostgreSQL's reading).
        try f.sync.model(
            "quoted",
            "-- key: customer_id\nSELECT customer_id::text AS customer_id, E'\\'' AS q, lifetime_value AS lv "
                + "FROM {{ ref('customer_ltv') }} -- '\n")
        let quoted = await runCLI(["sync", "quoted"], in: f.directory)
        #expect(quoted.status == 0, "\(quoted.out)\(quoted.err)")

        // bogus is at column 100 of the file's line 2; the relation the ref became is longer than the ref.
        try f.sync.model(
            "m",
            "-- key: customer_id\nSELECT customer_id::text AS customer_id, lifetime_value AS lv FROM "
                + "{{ ref('customer_ltv') }} WHERE bogus = 1\n")
        let plan = await runCLI(["plan", "m"], in: f.directory)
        #expect(plan.out.contains("models/m.sql:2:100: column \"bogus\" does not exist"), "\(plan.out)\(plan.err)")
        let sync = await runCLI(["sync", "m"], in: f.directory)
        #expect(sync.out.contains("models/m.sql:2:100: column \"bogus\" does not exist"), "\(sync.out)\(sync.err)")
        let validate = await runCLI(["validate", "--connect"], in: f.directory)
        #expect(
            validate.err.contains("models/m.sql:2: the warehouse rejected model m at column 100: column \"bogus\""),
            "\(validate.err)")
    }

    @Test func afterAFailedDbtRunExactlyTheDependentSyncsAreSkipped() async throws {
        let f = try DbtFixture()
        try f.build(target: "dev")
        try f.sync.model("ltv", Self.ltv)
        try f.sync.model(
            "orders", "-- key: order_id\nSELECT order_id::text AS order_id, amount FROM {{ ref('stg_orders') }}\n")
        try f.sync.model(
            "tiers",
            "-- key: customer_id\nSELECT customer_id::text AS customer_id, tier FROM {{ ref('dim_customers') }}\n")
        try f.sync.model(
            "emails", "-- key: id\nSELECT id::text AS id, email FROM {{ source('shop', 'raw_customers') }}\n")
        try f.dbt("run --target dev --vars {\"fail_orders\":true}", expecting: 1)

        let after = await runCLI(
            ["sync", "--after-dbt", "analytics/target/run_results.json", "--json"], in: f.directory)
        #expect(after.status == 1, "\(after.out)\(after.err)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(after.out.utf8)) as? [String: Any], "\(after.out)")
        let runs = (report["runs"] as? [[String: Any]] ?? []).map {
            "\($0["model"] ?? "") \($0["status"] ?? "") \($0["error"] ?? "-")"
        }.sorted()
        #expect(
            runs == [
                "ltv skipped upstream dbt model customer_ltv was skipped",
                "orders skipped upstream dbt model stg_orders failed",
                "tiers succeeded -",
            ], "emails reads only a source, which no dbt run builds")
        let ltvRuns = try f.sync.store().runs(model: "ltv", limit: 5)
        #expect(ltvRuns.map(\.status) == [.skipped])
        #expect(ltvRuns.first?.errorCode == RunRecord.Codes.upstreamFailed)
        #expect(try f.sync.traits("1")["tier"] == "\"gold\"", "dim_customers resolved to its latest version, v2")

        try f.dbt("run --target dev")
        let recovered = await runCLI(["sync", "--after-dbt", "analytics/target/run_results.json"], in: f.directory)
        #expect(recovered.status == 0, "\(recovered.out)\(recovered.err)")
        #expect(try f.sync.traits("1")["lifetime_value"] == "\"150.50\"")
    }

    @Test func dbtParsesTheExposuresAndListsWhatFeedsEachSync() async throws {
        let f = try DbtFixture(dbtTable: "owner_name = \"Data Team\"\nowner_email = \"data@example.com\"\n")
        try f.dbt("parse")
        try f.sync.model("ltv", Self.ltv)
        try f.sync.model(
            "emails", "-- key: id\nSELECT id::text AS id, email FROM {{ source('shop', 'raw_customers') }}\n")
        let out = await runCLI(["dbt", "exposures", "--out", "analytics/models/warehouse_sync.yml"], in: f.directory)
        #expect(out.status == 0, "\(out.err)")
        let written = try String(
            contentsOf: f.analytics.appendingPathComponent("models/warehouse_sync.yml"), encoding: .utf8)
        let printed = await runCLI(["dbt", "exposures"], in: f.directory)
        #expect(printed.out == written, "the same file each time")
        try f.dbt("parse")
        let exposures = try f.dbt("ls --resource-type exposure --output name")
        #expect(exposures.output.contains("ltv") && exposures.output.contains("emails"), "\(exposures.output)")
        let upstream = try f.dbt("ls --select +exposure:ltv --output name")
        for node in ["customer_ltv", "stg_orders", "stg_customers"] {
            #expect(upstream.output.contains(node), "\(upstream.output)")
        }
        #expect(!upstream.output.contains("dim_customers"), "\(upstream.output)")
    }

    @Test func aPullRequestsManifestThatDropsAColumnAndRenamesAModelIsNamed() async throws {
        let f = try DbtFixture()
        try f.dbt("parse")
        try f.sync.model("ltv", Self.ltv)
        try f.sync.model(
            "orders", "-- key: order_id\nSELECT order_id::text AS order_id, amount FROM {{ ref('stg_orders') }}\n")
        let pr = f.directory.appendingPathComponent("analytics_pr")
        try TestDbt.copyFixture(to: pr)
        let marts = pr.appendingPathComponent("models/marts/marts.yml")
        try String(contentsOf: marts, encoding: .utf8).replacingOccurrences(
            of: "      - name: lifetime_value\n", with: ""
        )
        .write(to: marts, atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(
            at: pr.appendingPathComponent("models/staging/stg_orders.sql"),
            to: pr.appendingPathComponent("models/staging/stg_order_lines.sql"))
        let ltvModel = pr.appendingPathComponent("models/marts/customer_ltv.sql")
        try String(contentsOf: ltvModel, encoding: .utf8).replacingOccurrences(
            of: "stg_orders", with: "stg_order_lines"
        )
        .write(to: ltvModel, atomically: true, encoding: .utf8)
        try f.dbt("parse", in: pr)

        let same = await runCLI(["validate", "--dbt-manifest", "analytics/target/manifest.json"], in: f.directory)
        #expect(same.status == 0, "\(same.err)")
        let check = await runCLI(["validate", "--dbt-manifest", "analytics_pr/target/manifest.json"], in: f.directory)
        #expect(check.status == 2)
        #expect(
            check.err.contains(
                "models/ltv.sql:3: model ltv selects column lifetime_value of dbt node model.shop.customer_ltv, "
                    + "which analytics_pr/target/manifest.json no longer documents")
                || check.err.contains(
                    "which \(pr.path)/target/manifest.json no longer documents"),
            "\(check.err)")
        #expect(
            check.err.contains(
                "models/orders.sql:2: model orders: ref('stg_orders') (dbt node model.shop.stg_orders) is gone"),
            "\(check.err)")
        #expect(check.err.contains("stg_order_lines?"), "\(check.err)")
    }
}

import Testing

@testable import SyncCore

/// docs/dbt.md: `validate --dbt-manifest` names each break against another state of the dbt project.
@Suite struct DbtManifestCheckTests {
    @Test func aGoneRefAMovedRelationAndADroppedColumnAreEachNamed() throws {
        let current = try DbtManifestTests.manifest([
            DbtManifestTests.node(
                "model.shop.customer_ltv", "customer_ltv", columns: ["customer_id", "email", "lifetime_value"]),
            DbtManifestTests.node("model.shop.stg_customers", "stg_customers", schema: "staging"),
            DbtManifestTests.node("model.shop.orders", "orders"),
        ])
        let other = try DbtManifestTests.manifest([
            DbtManifestTests.node("model.shop.customer_ltv", "customer_ltv", columns: ["customer_id", "email"]),
            DbtManifestTests.node("model.shop.stg_customers", "stg_customers", schema: "staging_v2"),
            DbtManifestTests.node("model.shop.orders_renamed", "orders_renamed"),
        ])
        let model = try Model.parse(
            text: """
                -- key: customer_id
                SELECT l.customer_id, l.Lifetime_Value, s.email
                FROM {{ ref('customer_ltv') }} l
                JOIN {{ ref('stg_customers') }} s USING (customer_id)
                JOIN {{ ref('orders') }} o USING (customer_id)
                """, file: "models/ltv.sql")
        let breaks = DbtManifestCheck.breaks(of: model, current: current, other: other, otherName: "pr/manifest.json")
        #expect(
            breaks.map { String($0.description.split(separator: "\n")[0]) } == [
                "models/ltv.sql:2: model ltv selects column lifetime_value of dbt node model.shop.customer_ltv, which "
                    + "pr/manifest.json no longer documents",
                "models/ltv.sql:4: model ltv: ref('stg_customers') (dbt node model.shop.stg_customers) moved from "
                    + "\"db\".\"staging\".\"stg_customers\" to \"db\".\"staging_v2\".\"stg_customers\" in "
                    + "pr/manifest.json",
                "models/ltv.sql:5: model ltv: ref('orders') (dbt node model.shop.orders) is gone in pr/manifest.json: "
                    + "ref('orders') is not a model, seed or snapshot of the dbt manifest",
            ])
        #expect(
            breaks[2].hint?.contains("or change the model with it. Did you mean orders_renamed? If the name") == true)
        #expect(DbtManifestCheck.breaks(of: model, current: current, other: current, otherName: "same").isEmpty)
    }

    @Test func aCaseOnlyChangeOfAQuotedRelationIsAMove() throws {
        let current = try DbtManifestTests.manifest([
            DbtManifestTests.node("model.shop.customer_ltv", "customer_ltv", alias: "ltv_by_customer")
        ])
        let other = try DbtManifestTests.manifest([
            DbtManifestTests.node("model.shop.customer_ltv", "customer_ltv", alias: "LTV_by_customer")
        ])
        let model = try Model.parse(
            text: "-- key: customer_id\nSELECT customer_id FROM {{ ref('customer_ltv') }}", file: "models/m.sql")
        let breaks = DbtManifestCheck.breaks(of: model, current: current, other: other, otherName: "pr.json")
        #expect(breaks.count == 1)
        #expect(breaks.first?.message.contains("to \"db\".\"marts\".\"LTV_by_customer\" in pr.json") == true)
    }
}

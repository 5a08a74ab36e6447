import Testing

@testable import SyncCore

/// docs/dbt.md: the exposures file is deterministic and quoted safely.
@Suite struct DbtExposuresTests {
    @Test func exposuresAreSortedQuotedAndFreeOfTimestamps() {
        let ltv = DbtReference(target: .node(package: nil, name: "customer_ltv", version: nil), line: 3)
        let source = DbtReference(target: .source(source: "shop", table: "raw_orders"), line: 4)
        let v2 = DbtReference(target: .node(package: "shop", name: "dim_customers", version: "2"), line: 5)
        let exposures = DbtExposures(
            exposures: [
                .init(name: "tiers", file: "models/tiers.sql", references: [v2]),
                .init(name: "ltv", file: "models/ltv.sql", references: [source, ltv, ltv]),
            ], ownerName: "Data \"Team\"", ownerEmail: "data@example.com", url: "https://sync.example.com")
        let expected = """
            # Written by warehouse-sync dbt exposures: one exposure per WarehouseSync model. Do not edit by hand.
            version: 2

            exposures:
              - name: "ltv"
                label: "WarehouseSync: ltv"
                type: application
                description: "Synced into profiles by WarehouseSync (models/ltv.sql)."
                url: "https://sync.example.com"
                owner:
                  name: "Data \\"Team\\""
                  email: "data@example.com"
                depends_on:
                  - "ref('customer_ltv')"
                  - "source('shop', 'raw_orders')"
              - name: "tiers"
                label: "WarehouseSync: tiers"
                type: application
                description: "Synced into profiles by WarehouseSync (models/tiers.sql)."
                url: "https://sync.example.com"
                owner:
                  name: "Data \\"Team\\""
                  email: "data@example.com"
                depends_on:
                  - "ref('shop', 'dim_customers', v=2)"

            """
        #expect(exposures.yaml == expected)
        #expect(DbtExposures.quoted("a\\b\n\u{1}") == "\"a\\\\b\\n\\x01\"")
        let empty = DbtExposures(exposures: [], ownerName: nil, ownerEmail: nil, url: nil)
        #expect(empty.yaml.hasSuffix("exposures: []\n"))
    }
}

import Foundation
import Testing

@testable import SyncCore

/// docs/dbt.md: references resolve as dbt resolves them: aliases, versions, packages, disabled nodes.
@Suite struct DbtManifestTests {
    static func node(
        _ id: String, _ name: String, package: String = "shop", type: String = "model", schema: String = "marts",
        alias: String? = nil, version: Int? = nil, latest: Int? = nil, columns: [String] = [], relation: Bool = true,
        materialized: String = "table"
    ) -> String {
        let alias = alias ?? name
        let relationName = relation ? "\"\\\"db\\\".\\\"\(schema)\\\".\\\"\(alias)\\\"\"" : "null"
        let columnsJSON = columns.map { "\"\($0)\": {\"name\": \"\($0)\"}" }.joined(separator: ", ")
        return """
            "\(id)": {"unique_id": "\(id)", "resource_type": "\(type)", "package_name": "\(package)",
             "name": "\(name)", "database": "db", "schema": "\(schema)", "alias": "\(alias)",
             "version": \(version.map(String.init) ?? "null"), "latest_version": \(latest.map(String.init) ?? "null"),
             "relation_name": \(relationName), "columns": {\(columnsJSON)},
             "config": {"enabled": true, "materialized": "\(materialized)"}}
            """
    }

    static func manifest(_ nodes: [String], sources: [String] = [], disabled: String = "{}") throws -> DbtManifest {
        let json = """
            {"metadata": {"project_name": "shop", "dbt_version": "1.10.15"},
             "nodes": {\(nodes.joined(separator: ",\n"))},
             "sources": {\(sources.joined(separator: ",\n"))},
             "disabled": \(disabled), "exposures": {}, "macros": {"m": {"x": 1}}}
            """
        return try DbtManifest.decode(Data(json.utf8))
    }

    static let shop = try! manifest(
        [
            node(
                "model.shop.customer_ltv", "customer_ltv", alias: "ltv_by_customer", columns: ["customer_id", "email"]),
            node("model.shop.dim_customers.v1", "dim_customers", alias: "dim_customers_v1", version: 1, latest: 2),
            node("model.shop.dim_customers.v2", "dim_customers", alias: "dim_customers_v2", version: 2, latest: 2),
            node("model.utils.customer_ltv", "customer_ltv", package: "utils", schema: "utils"),
            node("seed.shop.countries", "countries", type: "seed", schema: "raw", relation: false),
            node("test.shop.not_null", "not_null", type: "test"),
            node("model.shop.stg_ephemeral", "stg_ephemeral", relation: false, materialized: "ephemeral"),
            node("model.util.spend", "spend", package: "util"),
            node("model.audit.spend", "spend", package: "audit"),
        ],
        sources: [
            """
            "source.shop.shop.raw_orders": {"unique_id": "source.shop.shop.raw_orders", "resource_type": "source",
             "package_name": "shop", "source_name": "shop", "name": "raw_orders", "database": "db", "schema": "raw",
             "identifier": "orders_2024", "relation_name": "\\"db\\".\\"raw\\".\\"orders_2024\\"", "columns": {}}
            """
        ],
        disabled: """
            {"model.shop.legacy_scores": [{"unique_id": "model.shop.legacy_scores", "resource_type": "model",
              "package_name": "shop", "name": "legacy_scores", "config": {"enabled": false}, "columns": {}}]}
            """)

    func resolved(_ target: DbtReference.Target) -> String? {
        guard case .found(let node) = Self.shop.resolve(DbtReference(target: target, line: 1)) else { return nil }
        return node.relation { "[\($0)]" } + " " + node.uniqueID
    }

    @Test func aRefIsTheNodesRelationWithItsAlias() {
        #expect(
            resolved(.node(package: nil, name: "customer_ltv", version: nil))
                == "\"db\".\"marts\".\"ltv_by_customer\" model.shop.customer_ltv", "the root project's node wins")
        #expect(
            resolved(.node(package: "utils", name: "customer_ltv", version: nil))
                == "\"db\".\"utils\".\"customer_ltv\" model.utils.customer_ltv")
        #expect(
            resolved(.node(package: nil, name: "countries", version: nil))
                == "[db].[raw].[countries] seed.shop.countries",
            "without relation_name the parts are quoted by the dialect")
        #expect(
            resolved(.source(source: "shop", table: "raw_orders"))
                == "\"db\".\"raw\".\"orders_2024\" source.shop.shop.raw_orders")
    }

    @Test func aVersionedModelIsItsLatestVersionUnlessOneIsNamed() {
        #expect(resolved(.node(package: nil, name: "dim_customers", version: nil))?.hasSuffix(".v2") == true)
        #expect(resolved(.node(package: nil, name: "dim_customers", version: "1"))?.hasSuffix(".v1") == true)
        guard
            case .missing(let message, let hint) = Self.shop.resolve(
                DbtReference(target: .node(package: nil, name: "dim_customers", version: "3"), line: 1))
        else {
            Issue.record("version 3 resolved")
            return
        }
        #expect(message.contains("has no version 3"))
        #expect(hint == "its versions are 1, 2")
    }

    @Test func anUnknownOrDisabledNameIsMissingWithTheClosestNames() {
        guard
            case .missing(let message, let hint) = Self.shop.resolve(
                DbtReference(target: .node(package: nil, name: "customer_lvt", version: nil), line: 1))
        else {
            Issue.record("a misspelt name resolved")
            return
        }
        #expect(message == "ref('customer_lvt') is not a model, seed or snapshot of the dbt manifest")
        #expect(hint.hasPrefix("did you mean customer_ltv?"))
        guard
            case .missing(let disabled, _) = Self.shop.resolve(
                DbtReference(target: .node(package: nil, name: "legacy_scores", version: nil), line: 1))
        else {
            Issue.record("a disabled model resolved")
            return
        }
        #expect(disabled.contains("disabled"))
        guard
            case .missing(_, let sourceHint) = Self.shop.resolve(
                DbtReference(target: .source(source: "shop", table: "raw_order"), line: 1))
        else {
            Issue.record("a misspelt source resolved")
            return
        }
        #expect(sourceHint.hasPrefix("did you mean source('shop', 'raw_orders')?"))
        #expect(resolved(.node(package: nil, name: "not_null", version: nil)) == nil, "a test is not referable")
    }

    func missing(_ target: DbtReference.Target) -> (message: String, hint: String)? {
        guard case .missing(let message, let hint) = Self.shop.resolve(DbtReference(target: target, line: 1)) else {
            return nil
        }
        return (message, hint)
    }

    @Test func anEphemeralModelHasNoRelationAndIsAnError() {
        let problem = missing(.node(package: nil, name: "stg_ephemeral", version: nil))
        #expect(
            problem?.message == "ref('stg_ephemeral') names an ephemeral dbt model (materialized: ephemeral), which "
                + "has no relation in the warehouse: dbt inlines it into the models that ref it")
        #expect(problem?.hint.hasPrefix("ref a materialized dbt model") == true)
    }

    @Test func aNameTwoPackagesDefineIsAmbiguousAsInDbt() {
        let problem = missing(.node(package: nil, name: "spend", version: nil))
        #expect(
            problem?.message
                == "ref('spend') is ambiguous: dbt packages audit and util both define spend, and neither is the root "
                + "project")
        #expect(problem?.hint == "name the package, as dbt requires: ref('audit', 'spend') or ref('util', 'spend')")
        #expect(resolved(.node(package: "util", name: "spend", version: nil))?.hasSuffix("model.util.spend") == true)
    }

    @Test func aVersionOfAnUnversionedModelAndAMisspeltPackageSaySo() {
        let unversioned = missing(.node(package: nil, name: "customer_ltv", version: "1"))
        #expect(
            unversioned?.message
                == "ref('customer_ltv', v=1): dbt model customer_ltv is not versioned, so it has no version 1")
        #expect(unversioned?.hint.hasPrefix("remove the version: ref('customer_ltv')") == true)
        let package = missing(.node(package: "utl", name: "customer_ltv", version: nil))
        #expect(package?.message == "ref('utl', 'customer_ltv'): the dbt manifest has no package utl")
        #expect(package?.hint == "did you mean package util? customer_ltv is in packages shop, utils")
    }
}

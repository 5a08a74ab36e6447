import Foundation
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The PostgreSQL versions of the example models (demo/postgres/models, shown in docs/how-it-works.md) run
/// on a real PostgreSQL warehouse.
@Suite struct PostgresExampleModelsTests {
    @Test func theReadmesPostgresModelsSync() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            """
            CREATE TABLE orders (order_id int, user_id text, order_total numeric(12,2), order_date date);
            INSERT INTO orders VALUES (1, 'u1', 600.00, CURRENT_DATE - 10), (2, 'u1', 500.50, CURRENT_DATE - 200),
                                      (3, 'u2', 20.00, CURRENT_DATE - 120);
            CREATE TABLE policies (policy_id int, user_id text, status text, renewal_date date, risk_tier text);
            INSERT INTO policies VALUES (1, 'u1', 'active', DATE '2027-03-01', 'medium'), (2, 'u1', 'active', DATE
                '2027-01-15', 'high'),
                                        (3, 'u2', 'lapsed', DATE '2027-02-01', 'low');
            """)
        let directory = repositoryRoot.appendingPathComponent("demo/postgres/models")
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".sql") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            try f.model(String(file.dropLast(4)), text.replacingOccurrences(of: "-- source: warehouse\n", with: ""))
        }
        for model in ["lifetime_value", "active_policies", "high_value"] {
            #expect(try f.sync(model).record.status == .succeeded)
        }
        #expect(
            try f.traits("u1") == [
                "lifetime_value": "1100.5", "churn_risk": "\"low\"", "active_policies": "2",
                "next_renewal": "\"2027-01-15\"", "risk_tier_rank": "3", "high_value": "true",
            ])
        #expect(try f.traits("u2") == ["lifetime_value": "20", "churn_risk": "\"high\""])
    }
}

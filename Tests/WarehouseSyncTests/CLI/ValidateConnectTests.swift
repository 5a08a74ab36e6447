import Foundation
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// `validate --connect` compiles each model on its real warehouse and reports against the file.
@Suite struct ValidateConnectTests {
    @Test func warehouseErrorsPointAtTheModelFile() async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE customers (user_id text, ltv numeric)")
        try f.model("good", "-- key: user_id\nSELECT user_id, ltv FROM customers")
        try f.model("missing_table", "-- key: user_id\n-- schedule: hourly\nSELECT user_id, ltv\nFROM customer\n")
        try f.model("missing_key", "-- key: customer_id\nSELECT user_id, ltv FROM customers")
        try f.model("missing_trait", "-- key: user_id\n-- traits: ltv, churn\nSELECT user_id, ltv FROM customers")
        let offline = await runCLI(["validate"], in: f.directory)
        #expect(offline.status == 0)
        let result = await runCLI(["validate", "--connect"], in: f.directory)
        #expect(result.status == 2)
        let lines = result.err.split(separator: "\n").filter { $0.hasPrefix("error:") }.map(String.init)
        // With the columns known, default trait lists are checked for clashes too.
        #expect(
            lines == [
                "error: models/missing_key.sql:1: key column customer_id is not in the result",
                "error: models/missing_key.sql:1: trait ltv is also written by model good (models/good.sql:1)",
                "error: models/missing_table.sql:4: the warehouse rejected model missing_table: relation \"customer\" "
                    + "does not exist (SQLSTATE 42P01)",
                "error: models/missing_trait.sql:2: trait churn is not a column of the result",
                "error: models/missing_trait.sql:2: trait ltv is also written by model good (models/good.sql:1)",
            ])
        #expect(result.err.contains("hint: the result's columns are user_id, ltv"))
    }
}

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
                "error: models/missing_table.sql:4: the warehouse rejected model missing_table at column 6: relation "
                    + "\"customer\" does not exist (SQLSTATE 42P01)",
                "error: models/missing_trait.sql:2: trait churn is not a column of the result",
                "error: models/missing_trait.sql:2: trait ltv is also written by model good (models/good.sql:1)",
            ])
        #expect(result.err.contains("hint: the result's columns are user_id, ltv"))
        // sync, runs and the run record say the same place, line and column of the model file.
        let sync = await runCLI(["sync", "missing_table"], in: f.directory)
        #expect(sync.status == 1)
        #expect(sync.out.contains("models/missing_table.sql:4:6: relation \"customer\" does not exist"), "\(sync.out)")
        #expect(!sync.out.contains("at character"), "\(sync.out)")
        let runs = await runCLI(["runs", "missing_table"], in: f.directory)
        #expect(runs.out.contains("models/missing_table.sql:4:6: relation"), "\(runs.out)")
    }

    @Test func anErrorPositionMapsToTheModelFilesLineAndColumn() throws {
        let model = try Model.parse(text: "-- key: id\n-- a note\nSELECT id,\n  é + x\nFROM t\n", file: "models/m.sql")
        let wrapped = "SELECT * FROM (" + model.sql + ") q ORDER BY 1"
        let inside = try #require(SQLErrorLocation.of(position: 16 + 17, sent: wrapped, model: model))
        #expect(inside == SQLErrorLocation(line: 4, column: 7), "the x after the é")
        #expect(SQLErrorLocation.of(position: 3, sent: wrapped, model: model) == nil, "in the wrapper")
        #expect(SQLErrorLocation.of(position: 1, sent: model.sql, model: model) == SQLErrorLocation(line: 3, column: 1))
    }

    /// docs/drift-and-plans.md: `validate --connect` previews the drift the next run would hold, so a pull request
    /// shows it before merge; `--strict` makes it an error.
    @Test(arguments: [WarehouseKind.postgres, .sqlite])
    func driftAgainstTheLastSnapshotIsReported(source: WarehouseKind) async throws {
        let f = try SyncFixture(store: .sqlite, source: source)
        try f.warehouse(
            "CREATE TABLE customers (user_id TEXT, ltv NUMERIC, tier TEXT); INSERT INTO customers VALUES ('a', 1, 'x')")
        try f.model("ltv", "-- key: user_id\nSELECT user_id, ltv, tier FROM customers\n")
        try f.model("seg", "-- key: user_id\n-- kind: segment\n-- schema: evolve\nSELECT user_id FROM customers\n")
        let fresh = await runCLI(["validate", "--connect"], in: f.directory)
        #expect(fresh.status == 0 && !fresh.err.contains("schema changed"), "no snapshot yet, no drift: \(fresh.err)")
        #expect(try f.sync("ltv").record.status == .succeeded && f.sync("seg").record.status == .succeeded)

        try f.warehouse(
            "DROP TABLE customers; CREATE TABLE customers (user_id INTEGER, ltv TEXT); "
                + "INSERT INTO customers VALUES (1, 'x')"
        )
        try f.model("ltv", "-- key: user_id\nSELECT user_id, ltv FROM customers\n")
        let result = await runCLI(["validate", "--connect"], in: f.directory)
        #expect(result.status == 0, "drift is a warning: \(result.err)")
        #expect(
            result.err.contains(
                "warning: models/ltv.sql:2: model ltv: the result's schema changed: key user_id: text → int; "
                    + "trait ltv: decimal → text; trait tier: no longer in the result; its next run will be held"),
            "\(result.err)")
        #expect(
            result.err.contains(
                "models/seg.sql:4: model seg: the result's schema changed: key user_id: text → int "
                    + "(schema: evolve applies it)"
            ),
            "\(result.err)")
        let strict = await runCLI(["validate", "--connect", "--strict"], in: f.directory)
        #expect(strict.status == 2)
        #expect(strict.err.contains("error: models/ltv.sql:2: model ltv: the result's schema changed"), "\(strict.err)")
        #expect(!strict.err.contains("error: models/seg.sql"), "an evolving model's drift is no error")
    }
}

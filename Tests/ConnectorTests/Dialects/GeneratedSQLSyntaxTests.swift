import Foundation
import Testing

@testable import Connectors
@testable import SyncCore

/// Where sqlglot is: always under `CI=true`, where a missing one fails the suite instead of skipping it.
enum SQLGlot {
    static var enabled: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["WS_TEST_SQLGLOT_PYTHON"] != nil || environment["CI"] == "true"
    }
}

/// Every statement WarehouseSync writes for the warehouses that cannot all run here (Snowflake,
/// BigQuery, Redshift) is parsed by sqlglot in that warehouse's dialect, so a syntax error in any
/// of them fails the tests. sqlglot (https://sqlglot.com) comes from the Snowflake emulator's
/// virtualenv, whose Python `scripts/test.sh` names in `WS_TEST_SQLGLOT_PYTHON`.
@Suite(.enabled(if: SQLGlot.enabled, "needs sqlglot: run with scripts/test.sh"))
struct GeneratedSQLSyntaxTests {
    static let model = "SELECT c.id, c.ltv, c.tier FROM analytics.customers c WHERE c.active;"
    static let tag = SessionTag(model: "lifetime_value", runID: "20270115T080000Z-3fa2c1")

    /// The statements the runner sends around a model's query, whatever the warehouse.
    static func common(_ dialect: some SQLDialect) -> [String] {
        [dialect.orderedByKey(model, key: "id"), dialect.orderedByKey(model, key: "id", keyIsText: true)]
            + [dialect.compileOnly(model)]
            + dialect.sessionSetup(tag: tag, timeout: .seconds(90)) + [dialect.costQuery(tag: tag)].compactMap { $0 }
    }

    /// A diff inside the warehouse, every step.
    static func warehouseDiff(_ dialect: some WarehouseDiffDialect, resultTable: String? = nil) -> [String] {
        let sql = WarehouseDiffSQL(
            dialect: dialect, schema: "ws_scratch", key: "id", columns: ["id", "ltv", "tier"], traits: ["ltv", "tier"],
            resultTable: resultTable)
        return [sql.dropResult, dialect.schemaCount("ws_scratch")]
            + [
                sql.createResult(columns: [("id", "VARCHAR(64)"), ("ltv", "DECIMAL(12,2)"), ("tier", "VARCHAR(16)")]),
                sql.fillResult(model), sql.rowCount, sql.duplicateKeys, sql.duplicateRows,
                sql.createScratch("ws_1_m_r2"),
                sql.full, sql.delta(previous: "ws_1_m_r1"), sql.drop("ws_1_m_r1"), sql.tables(prefix: "ws_1_m_"),
            ].compactMap { $0 }
    }

    static func catalog(_ privileges: some CatalogPrivileges) -> [String] {
        [privileges.currentRoleQuery, privileges.listGrants(role: "SYNC_READER"), privileges.explainRelations(model)]
            .compactMap { $0 }
    }

    static var statements: [(dialect: String, sql: String)] {
        let snowflake =
            common(SnowflakeDialect()) + warehouseDiff(SnowflakeDialect())
            + warehouseDiff(SnowflakeDialect(), resultTable: "ws_1_m_r2_r") + catalog(SnowflakeDialect()) + [
                SnowflakeProbe.explain(model), SnowflakeProbe.changeTokens(["ANALYTICS.PUBLIC.CUSTOMERS"]),
                SnowflakeProbe.currentWarehouse, SnowflakeProbe.showWarehouse("TRANSFORMING"),
            ]
        let bigquery =
            common(BigQueryDialect(region: "eu")) + warehouseDiff(BigQueryDialect()) + catalog(BigQueryDialect())
            + [
                BigQueryProbe.referencedTables(runID: tag.runID, region: "eu"),
                BigQueryProbe.lastModified(["proj.analytics.customers", "analytics.orders"]),
            ].compactMap { $0 }
        let redshift =
            common(RedshiftDialect()) + warehouseDiff(RedshiftDialect()) + catalog(RedshiftDialect())
            + [
                RedshiftProbe.explain(model), RedshiftProbe.scannedTables(label: tag.text),
                RedshiftProbe.tableChanges([101, 102]),
            ].compactMap { $0 }
        return snowflake.map { ("snowflake", $0) } + bigquery.map { ("bigquery", $0) }
            + redshift.map { ("redshift", $0) }
    }

    /// sqlglot's reading of each statement: `ok`, `command` (a statement sqlglot passes through
    /// unparsed, such as SHOW or EXPLAIN), or the parse error.
    static let checker = """
        import json, sys, sqlglot
        from sqlglot import exp
        out = []
        for item in json.load(sys.stdin):
            try:
                trees = sqlglot.parse(item["sql"], read=item["dialect"], error_level=sqlglot.ErrorLevel.RAISE)
                out.append("command" if any(isinstance(t, exp.Command) for t in trees) else "ok")
            except Exception as error:
                out.append("error: " + str(error).splitlines()[0])
        json.dump(out, sys.stdout)
        """

    static let passedThrough = ["SHOW ", "EXPLAIN", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"]

    @Test func everyGeneratedStatementParsesInItsWarehousesDialect() throws {
        let python = try #require(
            ProcessInfo.processInfo.environment["WS_TEST_SQLGLOT_PYTHON"], "scripts/test.sh sets WS_TEST_SQLGLOT_PYTHON"
        )
        let statements = Self.statements
        let input = try JSONSerialization.data(
            withJSONObject: statements.map { ["dialect": $0.dialect, "sql": $0.sql] })
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.checker]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let verdicts = try #require(try JSONSerialization.jsonObject(with: output) as? [String])
        #expect(verdicts.count == statements.count)
        for (statement, verdict) in zip(statements, verdicts) {
            // Statements sqlglot does not model, each in its vendor's reference: Snowflake's SHOW and
            // EXPLAIN USING TABULAR, Redshift's EXPLAIN and SET SESSION CHARACTERISTICS.
            let passedThrough = Self.passedThrough.contains { statement.sql.hasPrefix($0) }
            #expect(
                verdict == "ok" || (verdict == "command" && passedThrough),
                "\(statement.dialect): \(verdict)\n\(statement.sql)")
        }
        #expect(statements.count > 40, "every kind of statement is covered")
    }
}

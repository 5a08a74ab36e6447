import Foundation
import Testing

@testable import Connectors
@testable import Drivers
@testable import SyncCore

/// What the skip and the budgets read on Snowflake over the SQL API, from a peer on 127.0.0.1 that
/// answers as Snowflake documents: `EXPLAIN USING TABULAR`
/// (https://docs.snowflake.com/en/sql-reference/sql/explain), `SYSTEM$LAST_CHANGE_COMMIT_TIME` and
/// `SHOW WAREHOUSES`. snowduck has none of them.
@Suite struct SnowflakeProbeAndBudgetTests {
    static let explainColumns = [
        ("step", "fixed"), ("id", "fixed"), ("parent", "fixed"), ("operation", "text"), ("objects", "text"),
        ("alias", "text"), ("expressions", "text"), ("partitionsTotal", "fixed"), ("partitionsAssigned", "fixed"),
        ("bytesAssigned", "fixed"),
    ]

    /// The documented example's plan: 5 GiB assigned, one table scanned.
    static let explainRows: [[String?]] = [
        [nil, nil, nil, "GlobalStats", nil, nil, nil, "12", "12", "5368709120"],
        ["1", "0", nil, "Result", nil, nil, "ORDERS.USER_ID, ORDERS.TOTAL", nil, nil, nil],
        ["1", "1", "0", "TableScan", "ANALYTICS.MARTS.ORDERS", "ORDERS", "USER_ID, TOTAL", "12", "12", "5368709120"],
    ]

    static func warehouse() throws -> (FakeSnowflake, any Warehouse) {
        let fake = try FakeSnowflake { request in
            let json = request.json
            if json.contains("EXPLAIN USING TABULAR") {
                return (200, FakeSnowflake.table(columns: explainColumns, rows: explainRows))
            }
            if json.contains("SYSTEM$LAST_CHANGE_COMMIT_TIME") {
                return (
                    200,
                    FakeSnowflake.table(
                        columns: [("OBJECT_NAME", "text"), ("CHANGE_TOKEN", "fixed")],
                        rows: [["ANALYTICS.MARTS.ORDERS", "1733570000123456"]])
                )
            }
            if json.contains("CURRENT_WAREHOUSE()") {
                return (200, FakeSnowflake.table(columns: [("CURRENT_WAREHOUSE()", "text")], rows: [["SYNC_XS"]]))
            }
            if json.contains("SHOW WAREHOUSES") {
                return (
                    200,
                    FakeSnowflake.table(
                        columns: [("name", "text"), ("state", "text"), ("size", "text")],
                        rows: [["SYNC_XS", "STARTED", "X-Small"]])
                )
            }
            return (422, #"{"code":"002003","message":"SQL compilation error: unexpected statement"}"#)
        }
        let settings = WarehouseSettings(
            api: WarehouseAPISettings(
                url: "http://127.0.0.1:\(fake.server.port)", token: Secret("t"), warehouse: "SYNC_XS"))
        return (fake, try WarehouseKind.snowflake.open(settings))
    }

    @Test func theProbeReadsTheBytesAssignedAndEachScannedTablesChangeToken() throws {
        let (fake, warehouse) = try Self.warehouse()
        defer { fake.server.stop() }
        let probe = try warehouse.probe(
            "SELECT user_id, SUM(total) AS ltv FROM orders GROUP BY 1", model: "ltv", previousRun: nil,
            probeSources: true, options: QueryOptions())
        #expect(probe.estimates["bytes_assigned"] == 5_368_709_120)
        #expect(probe.sources?.relations == ["ANALYTICS.MARTS.ORDERS": [1_733_570_000_123_456]])
        #expect(probe.sources?.time == SourceProbe.TimeDependence.none && probe.neverSkipped == nil)
        let dated = try warehouse.probe(
            "SELECT user_id FROM orders WHERE day = CURRENT_DATE", model: "ltv", previousRun: nil, probeSources: true,
            options: QueryOptions())
        #expect(dated.neverSkipped == "the query reads CURRENT_DATE, whose day the account's TIMEZONE sets")
    }

    @Test func aBytesBudgetIsCheckedAgainstTheBytesAssignedAndACreditsBudgetBecomesATimeout() throws {
        let (fake, warehouse) = try Self.warehouse()
        defer { fake.server.stop() }
        let bytes = try #require(Budget(parsing: "1GB"))
        guard
            case .estimate(let estimate, _) = try warehouse.assess(
                bytes, estimates: ["bytes_assigned": 5_368_709_120], force: false, options: QueryOptions())
        else {
            Issue.record("a bytes budget is checked against the estimate")
            return
        }
        #expect(estimate > bytes.limit)
        let credits = try #require(Budget(parsing: "0.5 credits"))
        guard
            case .capped(let timeout, let explanation) = try warehouse.assess(
                credits, estimates: [:], force: false, options: QueryOptions())
        else {
            Issue.record("a credits budget caps the statement's time")
            return
        }
        #expect(timeout == .seconds(1800))
        #expect(explanation == "0.5 credits on a X-Small warehouse (SYNC_XS) is 30m of it")
        #expect(fake.requests.contains { $0.json.contains("SHOW WAREHOUSES LIKE 'SYNC_XS'") })
    }
}

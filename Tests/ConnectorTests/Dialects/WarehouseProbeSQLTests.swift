import Testing

@testable import Connectors
@testable import SyncCore

/// Snowflake, BigQuery and Redshift cannot run here: their skip probes, estimates and budget
/// caps (docs/cost.md) are checked as SQL and as the parsing of the rows those warehouses document.
@Suite struct WarehouseProbeSQLTests {
    @Test func snowflakeExplainGivesTheTablesAndTheBytesAssigned() {
        #expect(SnowflakeProbe.explain("SELECT * FROM t;\n") == "EXPLAIN USING TABULAR\nSELECT * FROM t")
        let columns = [
            "step", "id", "parentOperators", "operation", "objects", "alias", "expressions", "partitionsTotal",
            "partitionsAssigned", "bytesAssigned",
        ]
        let rows: [[Value]] = [
            [.null, .null, .null, .text("GlobalStats"), .null, .null, .null, .int(20), .int(12), .int(52_428_800)],
            [.int(1), .int(0), .null, .text("Result"), .null, .null, .text("O.ID, C.LTV"), .null, .null, .null],
            [
                .int(1), .int(2), .text("[1]"), .text("TableScan"), .text("ANALYTICS.PUBLIC.ORDERS"), .text("O"),
                .text("ID, AMOUNT"), .int(12), .int(8), .int(40_000_000),
            ],
            [
                .int(1), .int(3), .text("[1]"), .text("TableScan"), .text("ANALYTICS.PUBLIC.CUSTOMERS"), .null,
                .text("ID"), .int(8), .int(4), .int(12_428_800),
            ],
        ]
        let plan = SnowflakeProbe.plan(columns: columns, rows: rows)
        #expect(plan.objects == ["ANALYTICS.PUBLIC.CUSTOMERS", "ANALYTICS.PUBLIC.ORDERS"])
        #expect(plan.bytesAssigned == 52_428_800)
        #expect(!plan.shape.contains("40000000") && plan.shape.contains("TableScan|ANALYTICS.PUBLIC.ORDERS|ID, AMOUNT"))
        #expect(
            SnowflakeProbe.changeTokens(["ANALYTICS.PUBLIC.ORDERS", "A.B.it's"])
                == "SELECT 'ANALYTICS.PUBLIC.ORDERS' AS object_name, "
                + "SYSTEM$LAST_CHANGE_COMMIT_TIME('ANALYTICS.PUBLIC.ORDERS') AS change_token\nUNION ALL\n"
                + "SELECT 'A.B.it''s' AS object_name, SYSTEM$LAST_CHANGE_COMMIT_TIME('A.B.it''s') AS change_token")
    }

    @Test func snowflakeCreditsBecomeAStatementTimeout() {
        #expect(SnowflakeProbe.timeout(credits: 0.5, warehouseSize: "X-Small") == .seconds(1800))
        #expect(SnowflakeProbe.timeout(credits: 0.5, warehouseSize: "Medium") == .seconds(450))
        #expect(SnowflakeProbe.timeout(credits: 0.0001, warehouseSize: "4X-Large") == .seconds(1), "at least 1 s")
        #expect(SnowflakeProbe.timeout(credits: 1, warehouseSize: "Snowpark-Optimized Huge") == nil)
        #expect(SnowflakeProbe.showWarehouse("SYNC_XS") == "SHOW WAREHOUSES LIKE 'SYNC_XS'")
    }

    @Test func bigQueryReadsThePreviousJobsTablesAndTheirLastModifiedTime() throws {
        let sql = BigQueryProbe.referencedTables(runID: "20261202T010203Z-ab12cd", region: "EU")
        #expect(sql.contains("FROM `region-eu`.INFORMATION_SCHEMA.JOBS_BY_USER AS j, UNNEST(j.referenced_tables) AS t"))
        #expect(sql.contains("l.key = 'warehouse_sync_run' AND l.value = '20261202t010203z-ab12cd'"))
        let modified = try #require(
            BigQueryProbe.lastModified(["proj.sales.orders", "sales.customers", "proj.sales.items", "bad", "a..b"]))
        #expect(
            modified == "SELECT CONCAT('proj.sales.', table_id) AS table_name, last_modified_time FROM "
                + "`proj`.`sales`.__TABLES__ WHERE table_id IN ('items', 'orders')\nUNION ALL\n"
                + "SELECT CONCAT('sales.', table_id) AS table_name, last_modified_time FROM `sales`.__TABLES__ "
                + "WHERE table_id IN ('customers')")
        #expect(BigQueryProbe.lastModified(["nodataset"]) == nil)
    }

    @Test func redshiftExplainCostAndTableChanges() throws {
        let lines = [
            "XN Merge  (cost=1000000000000.00..1000000000125.50 rows=5000 width=40)",
            "  ->  XN Seq Scan on orders  (cost=0.00..50.00 rows=5000 width=40)",
        ]
        #expect(RedshiftProbe.totalCost(explainLines: lines) == 1_000_000_000_125.50)
        #expect(RedshiftProbe.totalCost(explainLines: ["no plan"]) == nil)
        #expect(RedshiftProbe.shape(explainLines: lines) == "XN Merge\n  ->  XN Seq Scan on orders")
        #expect(RedshiftProbe.explain("SELECT 1;") == "EXPLAIN\nSELECT 1")
        let scanned = RedshiftProbe.scannedTables(label: "warehouse-sync:ltv:R1")
        #expect(scanned.contains("h.query_label = 'warehouse-sync:ltv:R1' AND d.step_name = 'scan' AND d.table_id > 0"))
        let changes = try #require(RedshiftProbe.tableChanges([108_214, 100_387, 108_214]))
        #expect(changes.contains("WHERE table_id IN (100387, 108214)"))
        #expect(changes.contains("d.step_name IN ('insert', 'delete')"))
        #expect(RedshiftProbe.tableChanges([]) == nil)
    }

    @Test(arguments: [
        ("SELECT id, sum(amount) AS ltv FROM orders GROUP BY id", SourceProbe.TimeDependence.none),
        ("SELECT id, COALESCE(MAX(CAST(x AS DECIMAL(10, 2))), 0) FROM t GROUP BY 1", .none),
        ("SELECT id, DATEDIFF(day, last_order, CURRENT_DATE) AS days FROM c", .date),
        ("SELECT id, DATEDIFF('day', last_order, GETDATE()) AS days FROM c", .volatile),
        ("SELECT id, CURRENT_TIMESTAMP AS at FROM c", .volatile),
        ("SELECT id, RANDOM() AS r FROM c", .volatile),
        ("SELECT id, analytics.score(x) FROM c", .volatile),
        ("SELECT id, my_udf(x) FROM c", .volatile),
        ("SELECT id, 'CURRENT_TIMESTAMP' AS label FROM c -- now()", .none),
        ("WITH x AS (SELECT id FROM c) SELECT id, ROW_NUMBER() OVER (PARTITION BY id ORDER BY id) FROM x", .none),
    ])
    func queryTextTimeDependence(sql: String, expected: SourceProbe.TimeDependence) {
        #expect(QueryTimeScan.scan(sql) == expected, "\(sql)")
    }

    @Test func budgetsInEachWarehousesUnits() {
        #expect(Budget(parsing: "200000 planner_cost") == Budget(limit: 200_000, unit: .plannerCost))
        #expect(Budget(parsing: "50GB") == Budget(limit: 50e9, unit: .bytes))
        #expect(Budget(parsing: "1.5 TiB") == Budget(limit: 1_649_267_441_664, unit: .bytes))
        #expect(Budget(parsing: "0.5 credits") == Budget(limit: 0.5, unit: .credits))
        #expect(Budget(parsing: "50GB")?.description == "50 GB")
        #expect(Budget(parsing: "1.5TiB")?.description == "1.65 TB")
        #expect(Budget(parsing: "0.5 credits")?.description == "0.5 credits")
        for bad in [
            "", "50", "-1 credits", "0 GB", "50 furlongs", "GB", "1e400 GB", "nan credits", "9300PB",
            "1e18 planner_cost",
        ] {
            #expect(Budget(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func bigQueryBytesBudgetIsTheConnectionsMaximumBytesBilled() {
        var settings = WarehouseSettings(odbc: Secret("Driver=BigQuery;ProjectId=p;"))
        #expect(BigQueryWarehouse.connectionString(settings) == "Driver=BigQuery;ProjectId=p;")
        settings.maximumBytesBilled = 10e9
        #expect(
            BigQueryWarehouse.connectionString(settings) == "Driver=BigQuery;ProjectId=p;MaximumBytesBilled=10000000000"
        )
        settings.odbc = Secret("DSN=bq")
        #expect(BigQueryWarehouse.connectionString(settings) == "DSN=bq;MaximumBytesBilled=10000000000")
    }
}

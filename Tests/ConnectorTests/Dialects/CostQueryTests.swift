import Testing

@testable import Connectors
@testable import Drivers
@testable import SyncCore

/// Redshift, Snowflake and BigQuery cannot run here: their cost queries are checked as SQL.
@Suite struct CostQueryTests {
    let tag = SessionTag(model: "lifetime_value", runID: "20261129T012345Z-3fa2c1")

    @Test func redshiftReadsSysQueryHistoryByQueryGroup() throws {
        let sql = try #require(RedshiftDialect().costQuery(tag: tag))
        #expect(sql.contains("FROM SYS_QUERY_HISTORY"))
        #expect(sql.contains("session_id = pg_backend_pid()"))
        #expect(sql.contains("query_label = 'warehouse-sync:lifetime_value:20261129T012345Z-3fa2c1'"))
        #expect(
            RedshiftDialect().sessionSetup(tag: tag, timeout: .seconds(60)).contains(
                "SET query_group TO 'warehouse-sync:lifetime_value:20261129T012345Z-3fa2c1'"))
        #expect(
            RedshiftDialect().costMeasures(row: [.int(2_500_000), .int(2_000_000), .int(10_000), .int(4096)])
                == ["elapsed_ms": 2500, "execution_ms": 2000, "queue_ms": 10, "returned_bytes": 4096])
    }

    @Test func snowflakeReadsTheLastQueryOfTheSessionAndEstimatesCredits() throws {
        let sql = try #require(SnowflakeDialect().costQuery(tag: tag))
        #expect(sql.contains("INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION"))
        #expect(sql.contains("QUERY_ID = LAST_QUERY_ID()"))
        #expect(
            SnowflakeDialect().sessionSetup(tag: tag, timeout: .seconds(600)) == [
                "ALTER SESSION SET QUERY_TAG = 'warehouse-sync:lifetime_value:20261129T012345Z-3fa2c1'",
                "ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 600",
            ])
        // 36 s on an X-Small (1 credit/hour) is 0.01 credits.
        #expect(
            SnowflakeDialect().costMeasures(row: [.int(1_000_000), .int(36_000), .int(40_000), .text("X-Small")])
                == [
                    "bytes_scanned": 1_000_000, "execution_ms": 36_000, "elapsed_ms": 40_000, "estimated_credits": 0.01,
                ])
    }

    @Test func bigQueryFindsTheJobByItsLabel() throws {
        let sql = try #require(BigQueryDialect().costQuery(tag: tag))
        #expect(sql.contains("INFORMATION_SCHEMA.JOBS_BY_USER"))
        #expect(sql.contains("l.key = 'warehouse_sync_run' AND l.value = '20261129t012345z-3fa2c1'"))
        #expect(
            BigQueryDialect().sessionSetup(tag: tag, timeout: nil) == [
                "SET @@query_label = \"warehouse_sync_run:20261129t012345z-3fa2c1\""
            ])
        #expect(
            BigQueryDialect().costMeasures(row: [.int(10_485_760), .int(1200)]) == [
                "bytes_billed": 10_485_760, "slot_ms": 1200,
            ])
    }

    @Test func noCostQueryWhereTheWarehouseReportsNone() {
        #expect(SQLiteDialect().costQuery(tag: tag) == nil)
        #expect(StandardDialect().costQuery(tag: tag) == nil)
        #expect(PostgresDialect().costQuery(tag: tag) == nil)
    }

    @Test func keyOrderingPerDialect() {
        #expect(
            PostgresDialect().orderedByKey("SELECT 1 AS id;", key: "id")
                == "SELECT CAST(q.\"id\" AS TEXT) AS \"__warehouse_sync_key\", q.* FROM (\nSELECT 1 AS id\n) q ORDER "
                + "BY CAST(q.\"id\" AS TEXT) COLLATE \"C\""
        )
        #expect(
            PostgresDialect().orderedByKey("SELECT 'a' AS id", key: "id", keyIsText: true)
                == "SELECT q.* FROM (\nSELECT 'a' AS id\n) q ORDER BY CAST(q.\"id\" AS TEXT) COLLATE \"C\"")
        // Where no byte order can be written, a text key keeps its cast column, ordered by position.
        #expect(
            SQLiteDialect().orderedByKey("SELECT 'a' AS id", key: "id", keyIsText: true).hasSuffix(
                ") q ORDER BY 1"))
        #expect(
            BigQueryDialect().orderedByKey("SELECT 1 AS id", key: "id").hasSuffix(
                "ORDER BY CAST(CAST(q.`id` AS STRING) AS BYTES)"))
        #expect(
            SQLiteDialect().orderedByKey("SELECT 1 AS id", key: "id").hasPrefix(
                "SELECT CASE WHEN typeof(q.\"id\") = 'blob' THEN hex(q.\"id\") ELSE CAST(q.\"id\" AS TEXT) END AS "
                    + "\"__warehouse_sync_key\""
            ))
    }
}

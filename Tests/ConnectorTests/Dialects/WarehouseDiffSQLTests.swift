import Foundation
import TestSupport
import Testing

@testable import Connectors
@testable import Drivers
@testable import SyncCore

/// The SQL per warehouse. Snowflake and BigQuery cannot run here (docs/warehouse-diff.md): theirs is checked as
/// text. Redshift's hash differs from PostgreSQL's only in its text type and function names, so
/// it is also run on PostgreSQL, where the canonical text is checked for collisions.
@Suite struct WarehouseDiffSQLTests {
    static func sql(_ dialect: any WarehouseDiffDialect, traits: [String] = ["score", "tier"]) -> WarehouseDiffSQL {
        WarehouseDiffSQL(
            dialect: dialect, schema: "ws_scratch", key: "id", columns: ["id", "score", "tier"], traits: traits)
    }

    @Test func postgresAndRedshiftHashTheLengthPrefixedTextOfEachTrait() {
        #expect(
            Self.sql(PostgresDialect()).hashExpression
                == "pg_catalog.md5(CASE WHEN q.\"score\" IS NULL THEN '-' ELSE CAST(pg_catalog.length("
                + "pg_catalog.concat(q.\"score\")) AS TEXT) || ':' || pg_catalog.concat(q.\"score\") END || CASE WHEN "
                + "q.\"tier\" IS NULL THEN '-' ELSE CAST(pg_catalog.length(pg_catalog.concat(q.\"tier\")) AS TEXT) || "
                + "':' || pg_catalog.concat(q.\"tier\") END)")
        #expect(
            Self.sql(RedshiftDialect()).hashExpression
                == "MD5(COALESCE(CAST(LENGTH(CAST(q.\"score\" AS VARCHAR(65535))) AS VARCHAR(65535)) || ':' || "
                + "CAST(q.\"score\" AS VARCHAR(65535)), '-') || COALESCE(CAST(LENGTH(CAST(q.\"tier\" AS "
                + "VARCHAR(65535))) AS VARCHAR(65535)) || ':' || CAST(q.\"tier\" AS VARCHAR(65535)), '-'))")
        #expect(
            Self.sql(PostgresDialect(), traits: []).hashExpression == "pg_catalog.md5('')",
            "a segment's rows hash alike")
        #expect(
            Self.sql(PostgresDialect()).createResult(columns: [
                ("id", "text"), ("score", "numeric(12,2)"), ("tier", "public.t"),
            ])
                == "CREATE TEMPORARY TABLE ws_result (\"__warehouse_sync_key\" TEXT COLLATE \"C\", c1 text, "
                + "c2 numeric(12,2), c3 public.t, \"__warehouse_sync_hash\" TEXT)", "by position: a column may be ctid")
        #expect(
            Self.sql(RedshiftDialect()).createResult(columns: [("id", "integer")])
                == "CREATE TEMPORARY TABLE ws_result (\"__warehouse_sync_key\" VARCHAR(65535) COLLATE CASE_SENSITIVE, "
                + "c1 integer, \"__warehouse_sync_hash\" VARCHAR(65535))")
        #expect(
            Self.sql(PostgresDialect()).fillResult("SELECT id, score, tier FROM t;")
                == "INSERT INTO ws_result SELECT CAST(q.\"id\" AS TEXT) "
                + "COLLATE \"C\" AS \"__warehouse_sync_key\", q.*, "
                + Self.sql(PostgresDialect()).hashExpression
                + " AS \"__warehouse_sync_hash\" FROM (\nSELECT id, score, tier "
                + "FROM t\n) q")
        #expect(
            Self.sql(RedshiftDialect()).fillResult("SELECT 1").contains(
                "COLLATE(CAST(q.\"id\" AS TEXT), 'case_sensitive')"))
        #expect(
            Self.sql(PostgresDialect()).delta(previous: "ws_0a1b2c3d_features_run1")
                == "SELECT COALESCE(n.\"__warehouse_sync_key\", p.\"__warehouse_sync_key\") "
                + "AS \"__warehouse_sync_key\", "
                + "n.c1 AS \"id\", n.c2 AS \"score\", n.c3 AS \"tier\", n.\"__warehouse_sync_hash\" "
                + "IS NULL AS \"__warehouse_sync_removed\" "
                + "FROM ws_result n FULL OUTER JOIN ws_scratch.ws_0a1b2c3d_features_run1 "
                + "p ON n.\"__warehouse_sync_key\" "
                + "= p.\"__warehouse_sync_key\" WHERE n.\"__warehouse_sync_hash\" "
                + "IS NULL OR p.\"__warehouse_sync_key\" "
                + "IS NULL OR n.\"__warehouse_sync_hash\" <> p.\"__warehouse_sync_hash\" ORDER BY "
                + "COALESCE(n.\"__warehouse_sync_key\", p.\"__warehouse_sync_key\") COLLATE \"C\"")
        #expect(
            Self.sql(PostgresDialect()).tables(prefix: "ws_0a1b2c3d_features_")
                == "SELECT LOWER(table_name) FROM information_schema.tables WHERE LOWER(table_schema) = 'ws_scratch' "
                + "AND SUBSTR(LOWER(table_name), 1, 21) = 'ws_0a1b2c3d_features_'")
    }

    @Test func snowflakeHashesWithSHA1AndOrdersByUTF8Bytes() {
        let sql = Self.sql(SnowflakeDialect())
        #expect(
            sql.hashExpression
                == "SHA1(COALESCE(CAST(LENGTH(TO_VARCHAR(q.\"SCORE\")) AS VARCHAR) || ':' || TO_VARCHAR(q.\"SCORE\"), "
                + "'-') || COALESCE(CAST(LENGTH(TO_VARCHAR(q.\"TIER\")) AS VARCHAR) || ':' || TO_VARCHAR(q.\"TIER\"), "
                + "'-'))")
        #expect(sql.createResult(columns: [("id", "x")]) == nil, "created and filled in one statement")
        #expect(
            sql.fillResult("SELECT id, score, tier FROM t")
                == "CREATE OR REPLACE TEMPORARY TABLE ws_result AS SELECT COLLATE(TO_VARCHAR(q.\"ID\"), 'utf8') AS "
                + "\"__WAREHOUSE_SYNC_KEY\", q.*, \(sql.hashExpression) "
                + "AS \"__WAREHOUSE_SYNC_HASH\" FROM (\nSELECT id, "
                + "score, tier FROM t\n) q")
        #expect(sql.full.hasSuffix("ORDER BY COLLATE(n.\"__WAREHOUSE_SYNC_KEY\", 'utf8')"))
        #expect(sql.dialect.usableKey("k").contains("NOT CONTAINS(k, CHR(0))"))
        #expect(
            sql.createScratch("ws_0a1b2c3d_features_run2")
                == "CREATE TABLE ws_scratch.ws_0a1b2c3d_features_run2 AS SELECT \"__WAREHOUSE_SYNC_KEY\", "
                + "\"__WAREHOUSE_SYNC_HASH\" FROM ws_result WHERE " + sql.dialect.usableKey("\"__WAREHOUSE_SYNC_KEY\""))
        #expect(sql.drop("ws_0a1b2c3d_features_run1") == "DROP TABLE IF EXISTS ws_scratch.ws_0a1b2c3d_features_run1")
    }

    /// Snowflake's SQL API runs each request in a session of its own: no statement of the run may
    /// lean on a temporary table, so the result is a transient table of the scratch schema.
    @Test func aResultKeptInTheScratchSchemaIsTransientAndNamedEverywhere() {
        let sql = WarehouseDiffSQL(
            dialect: SnowflakeDialect(), schema: "ws_scratch", key: "id", columns: ["id", "score", "tier"],
            traits: ["score", "tier"], resultTable: "ws_0a1b_features_run2_r")
        #expect(sql.resultIsScratchTable && !sql.fillCountsRows)
        #expect(sql.createResult(columns: [("id", "x")]) == nil)
        #expect(
            sql.fillResult("SELECT 1").hasPrefix(
                "CREATE OR REPLACE TRANSIENT TABLE ws_scratch.ws_0a1b_features_run2_r AS"))
        for statement in [sql.rowCount, sql.duplicateKeys, sql.duplicateRows, sql.full, sql.delta(previous: "p")]
            + [sql.createScratch("ws_0a1b_features_run2"), sql.fillResult("SELECT 1")]
        {
            #expect(!statement.contains("ws_result") && !statement.contains("TEMPORARY"), "\(statement)")
            #expect(statement.contains("ws_scratch.ws_0a1b_features_run2_r"), "\(statement)")
        }
        #expect(sql.dropResult == "DROP TABLE IF EXISTS ws_scratch.ws_0a1b_features_run2_r")
        let table = ScratchTables.table(model: "features", store: "00112233", runID: "20261207T101010Z-ab12cd")
        let result = ScratchTables.resultTable(model: "features", store: "00112233", runID: "20261207T101010Z-ab12cd")
        #expect(result == table + "_r", "under the model's prefix, so a dead run's table is cleaned up")
        let long = String(repeating: "m", count: 80)
        let longResult = ScratchTables.resultTable(model: long, store: "1", runID: "20261207T101010Z-ab12cd")
        #expect(
            longResult.utf8.count <= 63
                && longResult != ScratchTables.table(model: long, store: "1", runID: "20261207T101010Z-ab12cd"))
    }

    @Test func bigQueryFingerprintsTheTraitsJSONAndOrdersByBytes() {
        let sql = Self.sql(BigQueryDialect())
        #expect(
            sql.hashExpression == "FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(q.`score` AS c0, q.`tier` AS c1)))")
        #expect(
            sql.fillResult("SELECT 1").hasPrefix(
                "CREATE OR REPLACE TEMP TABLE ws_result AS SELECT COLLATE(CAST(q.`id` AS STRING), '')"))
        #expect(sql.delta(previous: "p1").contains("FULL OUTER JOIN ws_scratch.p1 p ON n.`__warehouse_sync_key` = "))
        #expect(
            sql.delta(previous: "p1").hasSuffix(
                "ORDER BY CAST(COALESCE(n.`__warehouse_sync_key`, "
                    + "p.`__warehouse_sync_key`) AS BYTES)"))
        #expect(
            sql.tables(prefix: "ws_0a1b2c3d_features_")
                == "SELECT table_name FROM ws_scratch.INFORMATION_SCHEMA.TABLES WHERE STARTS_WITH(table_name, "
                + "'ws_0a1b2c3d_features_')")
        #expect(sql.dialect.usableKey("k").contains("BYTE_LENGTH(k) <= 1024"))
        #expect(
            sql.duplicateKeys
                == "SELECT COUNT(*) FROM (SELECT `__warehouse_sync_key` FROM ws_result WHERE "
                + sql.dialect.usableKey("`__warehouse_sync_key`")
                + " GROUP BY `__warehouse_sync_key` HAVING COUNT(*) > 1) d")
    }

    @Test func tableNamesAreLowercaseAtMost63BytesAndApartPerStoreAndModel() {
        let a = ScratchTables.prefix(model: "a", store: "0011223344556677")
        let a1 = ScratchTables.prefix(model: "a_1", store: "0011223344556677")
        #expect(!a1.hasPrefix(a) && !a.hasPrefix(a1))
        #expect(a != ScratchTables.prefix(model: "a", store: "8899aabbccddeeff"), "another store's tables are apart")
        let model = String(repeating: "Lifetime_Value", count: 9)
        let long = ScratchTables.table(model: model, store: "0011223344556677", runID: "20261202T091920Z-ab12cd")
        #expect(long.utf8.count <= 63 && long == long.lowercased())
        #expect(long.hasPrefix(ScratchTables.prefix(model: model, store: "0011223344556677")))
        #expect(long.hasSuffix("_lifetime_valuelifeti_20261202t091920z_ab12cd"), "\(long)")
        #expect(ScratchTables.isSchemaName("warehouse_sync") && ScratchTables.isSchemaName("_s1"))
        for bad in ["", "1abc", "a-b", "a.b", "a b", "\"x\"", String(repeating: "s", count: 64), "ü"] {
            #expect(!ScratchTables.isSchemaName(bad), "\(bad)")
        }
    }

    /// The hash run on PostgreSQL, in its spelling and Redshift's: the canonical text never collides,
    /// and NULL, '' and '-' differ.
    @Test(arguments: [PostgresDialect() as any WarehouseDiffDialect, RedshiftDialect()])
    func theHashOfDifferentValuesDiffersOnPostgreSQL(dialect: any WarehouseDiffDialect) throws {
        let (_, url) = try TestPostgres.freshDatabase("hash")
        let pg = try PGConnection(conninfo: url)
        let sql = Self.sql(dialect, traits: ["a", "b"])
        let pairs = [
            ("'ab'", "'c'"), ("'a'", "'bc'"), ("NULL", "''"), ("''", "NULL"), ("'-'", "NULL"), ("NULL", "'-'"),
            ("'1:a'", "NULL"), ("'1'", "'a'"), ("''", "''"), ("NULL", "NULL"), ("'2:ab'", "''"), ("'2'", "'ab'"),
        ]
        let rows = pairs.map { "SELECT \($0.0)::text AS a, \($0.1)::text AS b" }.joined(separator: " UNION ALL ")
        let result = try pg.execute("SELECT \(sql.hashExpression) FROM (\(rows)) q")
        let hashes = (0..<result.rowCount).map { result.text($0, 0)! }
        #expect(Set(hashes).count == pairs.count, "\(hashes)")
        // The whole run's statements work on PostgreSQL (Redshift's collation syntax is its own).
        guard dialect is PostgresDialect else { return }
        try pg.execute("CREATE SCHEMA ws_scratch; CREATE TABLE t (id text, a text, b text)")
        try pg.execute("INSERT INTO t VALUES ('x', '1', NULL), ('y', NULL, ''), (NULL, 'n', 'n'), (' ', 'b', 'b')")
        let run = WarehouseDiffSQL(
            dialect: dialect, schema: "ws_scratch", key: "id", columns: ["id", "a", "b"], traits: ["a", "b"])
        let typed = [("id", "text"), ("a", "text"), ("b", "text")]
        try pg.execute(try #require(run.createResult(columns: typed)))
        try pg.execute(run.fillResult("SELECT id, a, b FROM t"))
        try pg.execute(run.createScratch("p1"))
        #expect(try pg.execute("SELECT count(*) FROM ws_scratch.p1").text(0, 0) == "2", "unusable keys are not kept")
        #expect(try pg.execute(run.duplicateKeys).text(0, 0) == "0")
        try pg.execute(
            "UPDATE t SET a = '2' WHERE id = 'x'; DELETE FROM t WHERE id = 'y'; INSERT INTO t VALUES ('z', '', '')")
        try pg.execute("DROP TABLE ws_result")
        try pg.execute(try #require(run.createResult(columns: typed)))
        try pg.execute(run.fillResult("SELECT id, a, b FROM t"))
        let delta = try pg.execute(run.delta(previous: "p1"))
        let keys = (0..<delta.rowCount).map { "\(delta.text($0, 0) ?? "NULL"):\(delta.text($0, 4)!)" }
        #expect(keys == [" :f", "x:f", "y:t", "z:f", "NULL:f"], "\(keys)")
    }
}

import Connectors
import Drivers
import SyncCore
import Testing

/// The least-privilege queries of the warehouses that cannot run here, tested as SQL, and how
/// their rows are read.
@Suite struct PrivilegeQueriesTests {
    @Test func snowflakeShowsTheSessionRolesGrants() {
        #expect(SnowflakeDialect().listGrants(role: "SYNC_READER") == "SHOW GRANTS TO ROLE \"SYNC_READER\"")
        #expect(SnowflakeDialect().currentRoleQuery == "SELECT CURRENT_ROLE()")
        let columns = ["created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name"]
        let rows: [[Value]] = [
            [
                .text("2026-01-01"), .text("SELECT"), .text("TABLE"), .text("ANALYTICS.PUBLIC.ORDERS"), .text("ROLE"),
                .text("SYNC_READER"),
            ],
            [
                .text("2026-01-01"), .text("USAGE"), .text("SCHEMA"), .text("ANALYTICS.PUBLIC"), .text("ROLE"),
                .text("SYNC_READER"),
            ],
            [
                .text("2026-01-01"), .text("OWNERSHIP"), .text("TABLE"), .text("ANALYTICS.PUBLIC.ORDERS"),
                .text("ROLE"), .text("SYNC_READER"),
            ],
            [
                .text("2026-01-01"), .text("INSERT"), .text("TABLE"), .text("ANALYTICS.PUBLIC.EVENTS"), .text("ROLE"),
                .text("SYNC_READER"),
            ],
        ]
        let grants = rows.compactMap { SnowflakeDialect().grant(columns: columns, row: $0) }
        #expect(grants.count == 4)
        #expect(
            PrivilegeGrant.beyondReading(grants) == [
                "INSERT on TABLE ANALYTICS.PUBLIC.EVENTS", "OWNERSHIP on TABLE ANALYTICS.PUBLIC.ORDERS",
            ])
        #expect(SnowflakeDialect().explainRelations("SELECT 1") == "EXPLAIN USING TABULAR SELECT 1")
        let objects = SnowflakeDialect().relations(
            columns: ["step", "objects"],
            rows: [[.int(1), .text("[\"ANALYTICS.PUBLIC.ORDERS\"]")], [.int(2), .null]])
        #expect(objects == ["ANALYTICS.PUBLIC.ORDERS"])
    }

    @Test func bigQueryReadsObjectPrivilegesOfItsRegion() {
        let sql = BigQueryDialect(region: "europe-west3").listGrants(role: "")
        #expect(
            sql == """
                SELECT privilege_type, object_type, CONCAT(object_schema, '.', object_name) AS object_name
                FROM `region-europe-west3`.INFORMATION_SCHEMA.OBJECT_PRIVILEGES
                WHERE grantee IN (CONCAT('user:', SESSION_USER()), CONCAT('serviceAccount:', SESSION_USER()))
                """)
        let grant = BigQueryDialect().grant(
            columns: ["privilege_type", "object_type", "object_name"],
            row: [.text("roles/bigquery.dataEditor"), .text("SCHEMA"), .text("crm.")])
        #expect(grant.map { PrivilegeGrant.beyondReading([$0]) } == ["ROLES/BIGQUERY.DATAEDITOR on SCHEMA crm."])
        #expect(BigQueryProbe.referencedTables(runID: "R-1", region: "us").contains("l.value = 'r-1'"))
        #expect(BigQueryDialect().explainRelations("SELECT 1") == nil)
    }

    @Test func redshiftReadsRelationAndSchemaPrivileges() {
        let sql = RedshiftDialect().listGrants(role: "")
        #expect(
            sql.contains("FROM svv_relation_privileges WHERE identity_type = 'user' AND identity_name = current_user"))
        #expect(sql.contains("FROM svv_schema_privileges"))
        let grants = [
            PrivilegeGrant(privilege: "SELECT", objectType: "TABLE", objectName: "public.orders"),
            PrivilegeGrant(privilege: "DELETE", objectType: "TABLE", objectName: "public.orders"),
            PrivilegeGrant(privilege: "CREATE", objectType: "SCHEMA", objectName: "public"),
        ]
        #expect(PrivilegeGrant.beyondReading(grants) == ["CREATE on SCHEMA public", "DELETE on TABLE public.orders"])
        let plan = RedshiftDialect().relations(
            columns: ["QUERY PLAN"],
            rows: [
                [.text("XN HashAggregate  (cost=0.10..0.11 rows=2 width=40)")],
                [.text("  ->  XN Seq Scan on orders  (cost=0.00..0.06 rows=6 width=40)")],
            ])
        #expect(plan == ["orders"])
    }
}

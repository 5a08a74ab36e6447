import Connectors
import Drivers
import SyncCore
import Testing

/// The least-privilege queries of the warehouses that cannot run here, tested as SQL, and how
/// their rows are read.
@Suite struct PrivilegeQueriesTests {
    @Test func snowflakeShowsTheSessionRolesGrants() {
        #expect(PrivilegeQueries.listGrants(.snowflake, role: "SYNC_READER") == "SHOW GRANTS TO ROLE \"SYNC_READER\"")
        #expect(PrivilegeQueries.snowflakeCurrentRole == "SELECT CURRENT_ROLE()")
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
        let grants = rows.compactMap { PrivilegeQueries.grant(.snowflake, columns: columns, row: $0) }
        #expect(grants.count == 4)
        #expect(
            PrivilegeQueries.beyondReading(grants) == [
                "INSERT on TABLE ANALYTICS.PUBLIC.EVENTS", "OWNERSHIP on TABLE ANALYTICS.PUBLIC.ORDERS",
            ])
        #expect(PrivilegeQueries.explain(.snowflake, query: "SELECT 1") == "EXPLAIN USING TABULAR SELECT 1")
        let objects = PrivilegeQueries.relations(
            .snowflake, columns: ["step", "objects"],
            rows: [[.int(1), .text("[\"ANALYTICS.PUBLIC.ORDERS\"]")], [.int(2), .null]])
        #expect(objects == ["ANALYTICS.PUBLIC.ORDERS"])
    }

    @Test func bigQueryReadsObjectPrivilegesOfItsRegion() {
        let sql = PrivilegeQueries.listGrants(.bigquery, role: "", region: "europe-west3")
        #expect(
            sql == """
                SELECT privilege_type, object_type, CONCAT(object_schema, '.', object_name) AS object_name
                FROM `region-europe-west3`.INFORMATION_SCHEMA.OBJECT_PRIVILEGES
                WHERE grantee IN (CONCAT('user:', SESSION_USER()), CONCAT('serviceAccount:', SESSION_USER()))
                """)
        let grant = PrivilegeQueries.grant(
            .bigquery, columns: ["privilege_type", "object_type", "object_name"],
            row: [.text("roles/bigquery.dataEditor"), .text("SCHEMA"), .text("crm.")])
        #expect(grant.map { PrivilegeQueries.beyondReading([$0]) } == ["ROLES/BIGQUERY.DATAEDITOR on SCHEMA crm."])
        #expect(PrivilegeQueries.bigQueryReferencedTables(runID: "R-1").contains("l.value = 'r-1'"))
        #expect(PrivilegeQueries.explain(.bigquery, query: "SELECT 1") == nil)
    }

    @Test func redshiftReadsRelationAndSchemaPrivileges() throws {
        let sql = try #require(PrivilegeQueries.listGrants(.redshift, role: ""))
        #expect(
            sql.contains("FROM svv_relation_privileges WHERE identity_type = 'user' AND identity_name = current_user"))
        #expect(sql.contains("FROM svv_schema_privileges"))
        let grants = [
            PrivilegeQueries.Grant(privilege: "SELECT", objectType: "TABLE", objectName: "public.orders"),
            PrivilegeQueries.Grant(privilege: "DELETE", objectType: "TABLE", objectName: "public.orders"),
            PrivilegeQueries.Grant(privilege: "CREATE", objectType: "SCHEMA", objectName: "public"),
        ]
        #expect(PrivilegeQueries.beyondReading(grants) == ["CREATE on SCHEMA public", "DELETE on TABLE public.orders"])
        let plan = PrivilegeQueries.relations(
            .redshift, columns: ["QUERY PLAN"],
            rows: [
                [.text("XN HashAggregate  (cost=0.10..0.11 rows=2 width=40)")],
                [.text("  ->  XN Seq Scan on orders  (cost=0.00..0.06 rows=6 width=40)")],
            ])
        #expect(plan == ["orders"])
        #expect(PrivilegeQueries.listGrants(.sqlite, role: "") == nil)
    }
}

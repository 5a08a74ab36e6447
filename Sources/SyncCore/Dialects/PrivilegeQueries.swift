import Foundation

/// The least-privilege check on warehouses that cannot run here (Snowflake, BigQuery, Redshift):
/// the documented catalog queries that list what the connected role may do, and how their rows
/// read as privileges. PostgreSQL's check reads its catalog directly (`PostgresSource.rolePrivileges`).
public enum PrivilegeQueries {
    /// One privilege the role holds on one object, from a catalog row.
    public struct Grant: Sendable, Hashable {
        public var privilege: String
        /// `TABLE`, `VIEW`, `SCHEMA`, `DATABASE`, `ROLE`, `ACCOUNT`, ...
        public var objectType: String
        public var objectName: String

        public init(privilege: String, objectType: String, objectName: String) {
            self.privilege = privilege
            self.objectType = objectType
            self.objectName = objectName
        }
    }

    /// The query that lists the current role's privileges, or nil for dialects without one here.
    /// - Snowflake: `SHOW GRANTS TO ROLE` (columns privilege, granted_on, name, ...); the role is the session's.
    /// - BigQuery: `INFORMATION_SCHEMA.OBJECT_PRIVILEGES` of the region (object_schema, object_name,
    ///   object_type, privilege_type, grantee), filtered to grants to the session user.
    /// - Redshift: `SVV_RELATION_PRIVILEGES` (namespace_name, relation_name, privilege_type,
    ///   identity_name), plus `SVV_SCHEMA_PRIVILEGES` for CREATE on schemas.
    public static func listGrants(_ dialect: Dialect, role: String, region: String = "us") -> String? {
        switch dialect {
        case .snowflake:
            return "SHOW GRANTS TO ROLE \(Dialect.snowflake.quote(identifier: role))"
        case .bigquery:
            let regionName = Dialect.bigquery.quote(identifier: "region-\(Dialect.bigQueryLabel(region))")
            return """
                SELECT privilege_type, object_type, CONCAT(object_schema, '.', object_name) AS object_name
                FROM \(regionName).INFORMATION_SCHEMA.OBJECT_PRIVILEGES
                WHERE grantee IN (CONCAT('user:', SESSION_USER()), CONCAT('serviceAccount:', SESSION_USER()))
                """
        case .redshift:
            return """
                SELECT privilege_type, 'TABLE' AS object_type, namespace_name || '.' || relation_name AS object_name
                FROM svv_relation_privileges WHERE identity_type = 'user' AND identity_name = current_user
                UNION ALL
                SELECT privilege_type, 'SCHEMA', namespace_name
                FROM svv_schema_privileges WHERE identity_type = 'user' AND identity_name = current_user
                """
        default:
            return nil
        }
    }

    /// The query that names the current role on Snowflake (needed by `SHOW GRANTS TO ROLE`).
    public static let snowflakeCurrentRole = "SELECT CURRENT_ROLE()"

    /// Reads one row of `listGrants`' result. Snowflake's `SHOW GRANTS` columns are
    /// created_on, privilege, granted_on, name, granted_to, grantee_name, ...; the others return
    /// privilege, object type, object name.
    public static func grant(_ dialect: Dialect, columns: [String], row: [Value]) -> Grant? {
        func text(_ name: String) -> String? {
            guard let index = columns.firstIndex(where: { $0.lowercased() == name }) else { return nil }
            if case .text(let value) = row[index] { return value }
            return nil
        }
        switch dialect {
        case .snowflake:
            guard let privilege = text("privilege"), let type = text("granted_on"), let name = text("name") else {
                return nil
            }
            return Grant(privilege: privilege.uppercased(), objectType: type.uppercased(), objectName: name)
        default:
            guard let privilege = text("privilege_type"), let type = text("object_type"), let name = text("object_name")
            else { return nil }
            return Grant(privilege: privilege.uppercased(), objectType: type.uppercased(), objectName: name)
        }
    }

    /// Privileges that change data or objects, or administer the account: anything a role that
    /// only feeds WarehouseSync should not hold.
    public static let beyondReading: Set<String> = [
        "INSERT", "UPDATE", "DELETE", "TRUNCATE", "DROP", "ALTER", "OWNERSHIP", "CREATE", "CREATE TABLE", "CREATE VIEW",
        "CREATE SCHEMA", "REFERENCES", "MODIFY", "MANAGE GRANTS", "CREATE ROLE", "CREATE USER", "CREATE DATABASE",
        "ROLES/BIGQUERY.DATAEDITOR", "ROLES/BIGQUERY.DATAOWNER", "ROLES/BIGQUERY.ADMIN",
    ]

    /// The grants of `grants` that go beyond reading, as "PRIVILEGE on TYPE name".
    public static func beyondReading(_ grants: [Grant]) -> [String] {
        grants.filter { beyondReading.contains($0.privilege) }.map {
            "\($0.privilege) on \($0.objectType) \($0.objectName)"
        }.sorted()
    }

    /// The query that names the relations a query reads without running it, where the
    /// warehouse has one: Snowflake's `EXPLAIN USING TABULAR` (column `objects`), Redshift's
    /// `EXPLAIN` (lines `... Scan on NAME`). BigQuery reports `referenced_tables` only for jobs
    /// that ran (`INFORMATION_SCHEMA.JOBS`), so it is read after a run, by the run's label.
    public static func explain(_ dialect: Dialect, query: String) -> String? {
        switch dialect {
        case .snowflake: return "EXPLAIN USING TABULAR \(query)"
        case .redshift: return "EXPLAIN \(query)"
        default: return nil
        }
    }

    /// BigQuery: the tables the labelled run's job read.
    public static func bigQueryReferencedTables(runID: String, region: String = "us") -> String {
        let regionName = Dialect.bigquery.quote(identifier: "region-\(Dialect.bigQueryLabel(region))")
        return """
            SELECT DISTINCT CONCAT(t.project_id, '.', t.dataset_id, '.', t.table_id) AS name
            FROM \(regionName).INFORMATION_SCHEMA.JOBS_BY_USER j, UNNEST(j.referenced_tables) t, UNNEST(j.labels) l
            WHERE l.key = 'warehouse_sync_run' AND l.value = \(Dialect.bigquery.literal(Dialect.bigQueryLabel(runID)))
            """
    }

    /// The relation names in `explain`'s rows: Snowflake's `objects` column, Redshift's plan lines.
    public static func relations(_ dialect: Dialect, columns: [String], rows: [[Value]]) -> [String] {
        var names: Set<String> = []
        for row in rows {
            for (index, column) in columns.enumerated() {
                guard case .text(let text) = row[index] else { continue }
                if dialect == .snowflake && column.lowercased() == "objects" {
                    for name in text.split(whereSeparator: {
                        $0 == "," || $0 == "\n" || $0 == "[" || $0 == "]" || $0 == "\""
                    }) {
                        let trimmed = name.trimmingCharacters(in: .whitespaces)
                        if !trimmed.isEmpty { names.insert(trimmed) }
                    }
                }
                if dialect == .redshift, let range = text.range(of: " Scan on ") {
                    let rest = text[range.upperBound...]
                    if let name = rest.split(separator: " ").first { names.insert(String(name)) }
                }
            }
        }
        return names.sorted()
    }
}

import SyncCore

/// BigQuery's grants: the region's `INFORMATION_SCHEMA.OBJECT_PRIVILEGES` (object_schema,
/// object_name, object_type, privilege_type, grantee), filtered to grants to the session's user
/// (https://cloud.google.com/bigquery/docs/information-schema-object-privileges). BigQuery reports
/// the tables a query reads only for jobs that ran (`BigQueryProbe.referencedTables`).
extension BigQueryDialect: CatalogPrivileges {
    public func listGrants(role: String) -> String {
        """
        SELECT privilege_type, object_type, CONCAT(object_schema, '.', object_name) AS object_name
        FROM \(regionSchema).INFORMATION_SCHEMA.OBJECT_PRIVILEGES
        WHERE grantee IN (CONCAT('user:', SESSION_USER()), CONCAT('serviceAccount:', SESSION_USER()))
        """
    }
}

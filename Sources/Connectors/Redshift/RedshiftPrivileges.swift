import Foundation
import SyncCore

/// Redshift's grants: `SVV_RELATION_PRIVILEGES` (namespace_name, relation_name, privilege_type,
/// identity_name) and `SVV_SCHEMA_PRIVILEGES` for CREATE on schemas, and `EXPLAIN`'s
/// `... Scan on NAME` lines for what a query reads
/// (https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_RELATION_PRIVILEGES.html).
extension RedshiftDialect: CatalogPrivileges {
    public func listGrants(role: String) -> String {
        """
        SELECT privilege_type, 'TABLE' AS object_type, namespace_name || '.' || relation_name AS object_name
        FROM svv_relation_privileges WHERE identity_type = 'user' AND identity_name = current_user
        UNION ALL
        SELECT privilege_type, 'SCHEMA', namespace_name
        FROM svv_schema_privileges WHERE identity_type = 'user' AND identity_name = current_user
        """
    }

    public func explainRelations(_ query: String) -> String? { "EXPLAIN \(query)" }

    public func relations(columns: [String], rows: [[Value]]) -> [String] {
        var names: Set<String> = []
        for row in rows {
            for case .text(let text) in row {
                guard let range = text.range(of: " Scan on ") else { continue }
                if let name = text[range.upperBound...].split(separator: " ").first { names.insert(String(name)) }
            }
        }
        return names.sorted()
    }
}

import Foundation
import SyncCore

/// Snowflake's grants: `SHOW GRANTS TO ROLE` of the session's role (columns created_on, privilege,
/// granted_on, name, granted_to, grantee_name, ...), and `EXPLAIN USING TABULAR`'s `objects` for
/// what a query reads (https://docs.snowflake.com/en/sql-reference/sql/show-grants).
extension SnowflakeDialect: CatalogPrivileges {
    public var currentRoleQuery: String? { "SELECT CURRENT_ROLE()" }

    public func listGrants(role: String) -> String { "SHOW GRANTS TO ROLE \(quote(identifier: role))" }

    public func grant(columns: [String], row: [Value]) -> PrivilegeGrant? {
        guard let privilege = Self.text("privilege", columns, row), let type = Self.text("granted_on", columns, row),
            let name = Self.text("name", columns, row)
        else { return nil }
        return PrivilegeGrant(privilege: privilege.uppercased(), objectType: type.uppercased(), objectName: name)
    }

    public func explainRelations(_ query: String) -> String? { "EXPLAIN USING TABULAR \(query)" }

    public func relations(columns: [String], rows: [[Value]]) -> [String] {
        var names: Set<String> = []
        for row in rows {
            for (index, column) in columns.enumerated() where column.lowercased() == "objects" {
                guard index < row.count, case .text(let text) = row[index] else { continue }
                for name in text.split(whereSeparator: {
                    $0 == "," || $0 == "\n" || $0 == "[" || $0 == "]" || $0 == "\""
                }) {
                    let trimmed = name.trimmingCharacters(in: .whitespaces)
                    if !trimmed.isEmpty { names.insert(trimmed) }
                }
            }
        }
        return names.sorted()
    }
}

import SyncCore

/// One privilege the role holds on one object, from a catalog row.
public struct PrivilegeGrant: Sendable, Hashable {
    public var privilege: String
    /// `TABLE`, `VIEW`, `SCHEMA`, `DATABASE`, `ROLE`, `ACCOUNT`, ...
    public var objectType: String
    public var objectName: String

    public init(privilege: String, objectType: String, objectName: String) {
        self.privilege = privilege
        self.objectType = objectType
        self.objectName = objectName
    }

    /// Privileges that change data or objects, or administer the account: anything a role that
    /// only feeds WarehouseSync should not hold.
    public static let beyondReading: Set<String> = [
        "INSERT", "UPDATE", "DELETE", "TRUNCATE", "DROP", "ALTER", "OWNERSHIP", "CREATE", "CREATE TABLE", "CREATE VIEW",
        "CREATE SCHEMA", "REFERENCES", "MODIFY", "MANAGE GRANTS", "CREATE ROLE", "CREATE USER", "CREATE DATABASE",
        "ROLES/BIGQUERY.DATAEDITOR", "ROLES/BIGQUERY.DATAOWNER", "ROLES/BIGQUERY.ADMIN",
    ]

    /// The grants of `grants` that go beyond reading, as "PRIVILEGE on TYPE name".
    public static func beyondReading(_ grants: [PrivilegeGrant]) -> [String] {
        grants.filter { beyondReading.contains($0.privilege) }.map {
            "\($0.privilege) on \($0.objectType) \($0.objectName)"
        }.sorted()
    }
}

/// The least-privilege check of a warehouse that lists grants through documented catalog queries
/// (docs/security.md): what the connected role may do, and what each model's query reads.
public protocol CatalogPrivileges: Sendable {
    /// The query that names the session's role, where `listGrants` needs it; nil otherwise.
    var currentRoleQuery: String? { get }

    /// The query that lists `role`'s privileges (the session's, where `currentRoleQuery` is nil).
    func listGrants(role: String) -> String

    /// One row of `listGrants`' result as a grant; nil for a row that names none.
    func grant(columns: [String], row: [Value]) -> PrivilegeGrant?

    /// The query that names the relations `query` reads without running it; nil where the
    /// warehouse has none.
    func explainRelations(_ query: String) -> String?

    /// The relation names in `explainRelations`' rows.
    func relations(columns: [String], rows: [[Value]]) -> [String]
}

extension CatalogPrivileges {
    public var currentRoleQuery: String? { nil }
    public func explainRelations(_ query: String) -> String? { nil }
    public func relations(columns: [String], rows: [[Value]]) -> [String] { [] }

    /// Reads `privilege_type`, `object_type` and `object_name`, found by name in any case.
    public func grant(columns: [String], row: [Value]) -> PrivilegeGrant? {
        guard let privilege = Self.text("privilege_type", columns, row),
            let type = Self.text("object_type", columns, row),
            let name = Self.text("object_name", columns, row)
        else { return nil }
        return PrivilegeGrant(privilege: privilege.uppercased(), objectType: type.uppercased(), objectName: name)
    }

    /// The text of the column `name` (any case) of `row`; nil when missing or not text.
    public static func text(_ name: String, _ columns: [String], _ row: [Value]) -> String? {
        guard let index = columns.firstIndex(where: { $0.lowercased() == name }), index < row.count else { return nil }
        if case .text(let value) = row[index] { return value }
        return nil
    }
}

/// How a warehouse's least-privilege check is made.
public enum PrivilegeInspection {
    /// No grants to check; `note` says why (a SQLite file has only its permissions).
    case unavailable(note: String)
    /// Documented catalog queries, run on the source's session.
    case catalog(any CatalogPrivileges)
    /// A catalog of roles and relations read directly (PostgreSQL).
    case roleCatalog(any RoleCatalog)
}

/// A warehouse whose catalog says, relation by relation, what a query reads and what the role may
/// do (PostgreSQL's `pg_class`, `pg_namespace` and `has_*_privilege`).
public protocol RoleCatalog: AnyObject {
    /// The relations `sql` reads, views followed, and the schemas it needs USAGE on.
    /// - Throws: `ConnectorError` when the query does not compile.
    func relationsRead(by sql: String) throws -> (named: [RelationRef], throughViews: [RelationRef], schemas: [String])

    /// The result's columns with their types as the warehouse spells them, and those types' schemas.
    /// - Throws: `ConnectorError`.
    func tableColumns(_ sql: String, options: QueryOptions) throws -> (
        columns: [(name: String, type: String)], typeSchemas: [String]
    )

    /// Everything the session's role may read and write, and where it may create.
    /// - Throws: `ConnectorError`.
    func rolePrivileges() throws -> RolePrivileges
}

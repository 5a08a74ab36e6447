import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

/// The least-privilege check of one source: what each model reads, the GRANTs a fresh role
/// needs for exactly that, and what the configured role can do beyond it.
public struct PrivilegeReport: Sendable, Encodable {
    public struct ModelReads: Sendable, Encodable {
        public var model: String
        /// Relations the model names, `schema.name`.
        public var relations: [String]
        /// Tables the model reaches only through views it names (their owners need SELECT, not the role).
        public var throughViews: [String]

        enum CodingKeys: String, CodingKey {
            case model, relations
            case throughViews = "through_views"
        }
    }

    /// Something the role can do beyond reading what the models read.
    public struct Warning: Sendable, Encodable, Hashable {
        /// Stable: `superuser`, `create_role`, `create_database`, `bypass_rls`, `create_schema`,
        /// `member_of`, `writes`, `creates_in_schema`, `reads_unused`, `beyond_reading`.
        public var code: String
        public var message: String
    }

    public var source: String
    public var kind: String
    /// The role connected as, where the warehouse names it.
    public var role: String?
    /// False when this kind of source has no check here; `note` says why.
    public var checked: Bool
    public var note: String?
    public var models: [ModelReads] = []
    /// Statements that give a fresh role (named by `grants --role`) exactly the access the models need.
    public var grants: [String] = []
    public var warnings: [Warning] = []
}

extension PrivilegeReport {
    /// At most `limit` names, then ", ... (N in all)".
    static func list(_ names: [String], limit: Int = 5) -> String {
        names.count <= limit
            ? names.joined(separator: ", ")
            : names.prefix(limit).joined(separator: ", ") + ", ... (\(names.count) in all)"
    }

    /// The GRANT statements for reading `relations`: USAGE on each of `schemas` (those of the
    /// relations, and those holding functions or types the models use), SELECT on each relation.
    static func grants(for relations: [RelationRef], schemas: Set<String>, role: String) -> [String] {
        let grantee = RelationRef.quoted(role)
        let schemas = schemas.union(relations.map(\.schema)).sorted()
        return schemas.map { "GRANT USAGE ON SCHEMA \(RelationRef.quoted($0)) TO \(grantee);" }
            + relations.sorted().map { "GRANT SELECT ON \($0.qualifiedName) TO \(grantee);" }
    }

    /// What `privileges` allow beyond reading `read`.
    static func warnings(_ privileges: RolePrivileges, read: Set<RelationRef>) -> [Warning] {
        var warnings: [Warning] = []
        let role = privileges.role
        if privileges.superuser {
            warnings.append(
                Warning(
                    code: "superuser",
                    message:
                        "role \(role) is a superuser: it can change anything and run programs on the database server "
                        + "(COPY ... TO PROGRAM)"
                ))
        }
        if privileges.createRole {
            warnings.append(Warning(code: "create_role", message: "role \(role) can create roles (CREATEROLE)"))
        }
        if privileges.createDatabase {
            warnings.append(Warning(code: "create_database", message: "role \(role) can create databases (CREATEDB)"))
        }
        if privileges.bypassRowSecurity {
            warnings.append(
                Warning(code: "bypass_rls", message: "role \(role) bypasses row-level security (BYPASSRLS)"))
        }
        let what = [
            "pg_signal_backend": "can cancel and terminate other sessions (pg_terminate_backend)",
            "pg_read_server_files": "can read any file on the database server",
            "pg_write_server_files": "can write any file on the database server",
            "pg_execute_server_program": "can run programs on the database server",
            "pg_write_all_data": "can write every table",
            "pg_checkpoint": "can force checkpoints",
        ]
        for member in privileges.memberships {
            warnings.append(
                Warning(
                    code: "member_of",
                    message: "role \(role) is a member of \(member): it \(what[member] ?? "has more than read access")")
            )
        }
        if !privileges.writable.isEmpty {
            let kinds = Set(privileges.writable.flatMap(\.privileges)).sorted().joined(separator: ", ")
            let names = privileges.writable.map(\.relation.qualifiedName)
            warnings.append(
                Warning(
                    code: "writes",
                    message:
                        "role \(role) can \(kinds) on \(names.count) relation\(names.count == 1 ? "" : "s"): "
                        + "\(list(names))"
                ))
        }
        if privileges.createOnDatabase {
            warnings.append(
                Warning(
                    code: "create_schema",
                    message: "role \(role) can create schemas in this database (CREATE on the database)"))
        }
        if !privileges.creatableSchemas.isEmpty {
            warnings.append(
                Warning(
                    code: "creates_in_schema",
                    message:
                        "role \(role) can create objects in schema\(privileges.creatableSchemas.count == 1 ? "" : "s") "
                        + "\(list(privileges.creatableSchemas))"
                ))
        }
        let readKeys = Set(read.map { [$0.schema, $0.name] })
        let unused = privileges.readable.filter { !readKeys.contains([$0.schema, $0.name]) }.map(\.qualifiedName)
        if !unused.isEmpty {
            warnings.append(
                Warning(
                    code: "reads_unused",
                    message:
                        "role \(role) can read \(unused.count) relation\(unused.count == 1 ? "" : "s") no model reads: "
                        + "\(list(unused))"
                ))
        }
        return warnings
    }

    /// The report for one source, connecting to it.
    /// - Parameter grantee: the role name the GRANT statements are written for.
    /// - Throws: `ConnectorError` when the source cannot be opened or a model does not compile.
    package static func check(
        source name: String, config: SourceConfig, models: [Model], grantee: String,
        projectDirectory: URL
    ) throws -> PrivilegeReport {
        var report = PrivilegeReport(source: name, kind: config.kind.name, checked: true)
        let warehouse = try config.open(projectDirectory: projectDirectory)
        let postgres: any RoleCatalog
        switch warehouse.privileges {
        case .unavailable(let note):
            report.checked = false
            report.note = note
            return report
        case .catalog(let queries):
            do {
                return try checkByCatalogQuery(report, queries, warehouse.connection, models)
            } catch let error as ConnectorError where error.code == .query {
                // A warehouse (or an emulator of one) without the documented catalog: nothing to check
                // with, which the report says; a connection that fails still fails the check.
                report.checked = false
                let said = error.message.prefix { $0 != "\n" }
                report.note =
                    "the warehouse refused the catalog queries that list grants (\(said)); the role's grants were "
                    + "not checked"
                return report
            }
        case .roleCatalog(let catalog):
            postgres = catalog
        }
        var read: Set<RelationRef> = []
        var schemas: Set<String> = []
        for model in models {
            let relations = try postgres.relationsRead(by: model.sql)
            read.formUnion(relations.named)
            schemas.formUnion(relations.schemas)
            report.models.append(
                ModelReads(
                    model: model.name, relations: relations.named.map(\.qualifiedName),
                    throughViews: relations.throughViews.map(\.qualifiedName)))
        }
        for model in models where model.diffMode == .warehouse {
            // A diff in the warehouse creates a table of the result's types: their schemas need USAGE.
            if let typed = try? postgres.tableColumns(model.sql, options: QueryOptions()) {
                schemas.formUnion(typed.typeSchemas)
            }
        }
        var privileges = try postgres.rolePrivileges()
        report.role = privileges.role
        report.grants = grants(for: Array(read), schemas: schemas, role: grantee)
        if let scratch = config.scratchSchema, models.contains(where: { $0.diffMode == .warehouse }) {
            // A diff in the warehouse writes its tables there, and only there (docs/warehouse-diff.md): not a finding.
            privileges.creatableSchemas.removeAll { $0 == scratch }
            privileges.writable.removeAll { $0.relation.schema == scratch }
            privileges.readable.removeAll { $0.schema == scratch }
            report.grants.append(
                "GRANT USAGE, CREATE ON SCHEMA \(RelationRef.quoted(scratch)) TO \(RelationRef.quoted(grantee));")
        }
        report.warnings = warnings(privileges, read: read)
        return report
    }

    /// The documented catalog queries of the warehouse (`CatalogPrivileges`).
    private static func checkByCatalogQuery(
        _ report: PrivilegeReport, _ queries: any CatalogPrivileges, _ connection: any SourceConnection,
        _ models: [Model]
    ) throws -> PrivilegeReport {
        var report = report
        var role = ""
        if let query = queries.currentRoleQuery,
            let row = try connection.collectFirstRow(query, options: QueryOptions()),
            case .text(let name) = row.first ?? .null
        {
            role = name
            report.role = name
        }
        for model in models {
            if let explain = queries.explainRelations(model.sql) {
                let result = try connection.collectAll(explain, options: QueryOptions())
                report.models.append(
                    ModelReads(
                        model: model.name, relations: queries.relations(columns: result.columns, rows: result.rows),
                        throughViews: []))
            }
        }
        let result = try connection.collectAll(queries.listGrants(role: role), options: QueryOptions())
        let grants = result.rows.compactMap { queries.grant(columns: result.columns, row: $0) }
        report.warnings = PrivilegeGrant.beyondReading(grants).map {
            Warning(code: "beyond_reading", message: "the role holds \($0)")
        }
        return report
    }
}

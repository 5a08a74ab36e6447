import Drivers
import Foundation
import SyncCore

/// A table, view or other relation of a warehouse.
public struct RelationRef: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var schema: String
    public var name: String
    /// `table`, `view`, `materialized view`, `foreign table` or `partitioned table`.
    public var kind: String

    public init(schema: String, name: String, kind: String) {
        self.schema = schema
        self.name = name
        self.kind = kind
    }

    /// `schema.name`, each part quoted where PostgreSQL needs it.
    public var qualifiedName: String { "\(Self.quoted(schema)).\(Self.quoted(name))" }
    public var description: String { qualifiedName }

    public static func < (a: RelationRef, b: RelationRef) -> Bool { (a.schema, a.name) < (b.schema, b.name) }

    /// `part` as a PostgreSQL identifier: as is when it is lowercase letters, digits and `_`, else quoted.
    public static func quoted(_ part: String) -> String {
        let plain =
            part.first.map { $0 == "_" || ("a"..."z").contains($0) } == true
            && part.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        return plain ? part : SQLText.doubleQuoted(part)
    }

    static func kind(relkind: String) -> String {
        switch relkind {
        case "v": "view"
        case "m": "materialized view"
        case "f": "foreign table"
        case "p": "partitioned table"
        default: "table"
        }
    }
}

/// What the connected role may do on a PostgreSQL warehouse, beyond reading.
public struct RolePrivileges: Sendable {
    public var role: String
    public var superuser = false
    public var createRole = false
    public var createDatabase = false
    public var bypassRowSecurity = false
    /// Whether the role may create schemas in the database.
    public var createOnDatabase = false
    /// Powerful predefined roles the role is a member of (`pg_signal_backend`, ...).
    public var memberships: [String] = []
    /// Relations the role may change, with the privileges (`DELETE`, `INSERT`, ...).
    public var writable: [(relation: RelationRef, privileges: [String])] = []
    /// Schemas in which the role may create objects.
    public var creatableSchemas: [String] = []
    /// Every relation the role may SELECT from.
    public var readable: [RelationRef] = []
}

extension PostgresSource {
    /// The predefined roles whose membership gives more than reading.
    public static let powerfulRoles = [
        "pg_signal_backend", "pg_read_server_files", "pg_write_server_files",
        "pg_execute_server_program", "pg_write_all_data", "pg_checkpoint",
    ]

    /// What a query needs to read: the relations it names (tables, views, partitioned tables;
    /// also a table the planner drops from the plan, since its privilege is still checked), the
    /// relations under the views it names that run with the caller's rights
    /// (`security_invoker`), the tables it scans that no named relation accounts for, and the
    /// schemas it uses; apart from those, the tables only reached through views that run with
    /// their owner's rights, which the owner needs and the role does not.
    /// - Throws: `ConnectorError` when the query does not compile.
    public func relationsRead(by sql: String) throws -> (
        named: [RelationRef], throughViews: [RelationRef], schemas: [String]
    ) {
        let statement = try SingleStatement.trimmed(sql)
        try connection.execute("BEGIN READ ONLY")
        defer { _ = try? connection.execute("ROLLBACK") }
        let plan = try connection.execute("EXPLAIN (FORMAT JSON, VERBOSE) \(statement)", [])
        var scanned: Set<[String]> = []
        if let text = plan.text(0, 0), let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) {
            Self.collectRelations(json, into: &scanned)
        }
        let references = RelationReferences(statement)
        func quoted(_ parts: [String]) -> String {
            parts.map(SQLText.doubleQuoted).joined(separator: ".")
        }
        var names: [String] = []
        for parts in references.relations {
            if parts.count == 1 && references.commonTableExpressions.contains(parts[0]) { continue }
            names.append(quoted(parts))
        }
        names += scanned.map(quoted)
        // Each name resolved as the session resolves it; with the view and partition facts needed.
        let resolved = try connection.execute(
            """
            SELECT DISTINCT c.oid::text, n.nspname, c.relname, c.relkind::text,
                   coalesce(c.reloptions::text[] && ARRAY['security_invoker=true', 'security_invoker=on'], false)::text,
                   coalesce((SELECT pg_partition_root(c.oid))::oid::text, c.oid::text),
                   (x.name = ANY(string_to_array($2, E'\\x1f')))::text
            FROM unnest(string_to_array($1, E'\\x1f')) AS x(name)
            JOIN pg_class c ON c.oid = to_regclass(CASE
                WHEN array_length(parse_ident(x.name), 1) = 3 AND (parse_ident(x.name))[1] = current_database()
                THEN quote_ident((parse_ident(x.name))[2]) || '.' || quote_ident((parse_ident(x.name))[3])
                WHEN array_length(parse_ident(x.name), 1) <= 2 THEN x.name END)
            JOIN pg_namespace n ON n.oid = c.relnamespace
            """, [names.joined(separator: "\u{1F}"), Set(scanned.map(quoted)).joined(separator: "\u{1F}")])
        struct Entry {
            var relation: RelationRef
            var oid: String
            var invoker: Bool
            var root: String
            var scanned: Bool
        }
        var entries: [String: Entry] = [:]
        var named: Set<String> = []
        for row in 0..<resolved.rowCount {
            let oid = resolved.text(row, 0)!
            var entry =
                entries[oid]
                ?? Entry(
                    relation: RelationRef(
                        schema: resolved.text(row, 1)!, name: resolved.text(row, 2)!,
                        kind: RelationRef.kind(relkind: resolved.text(row, 3)!)),
                    oid: oid, invoker: resolved.text(row, 4) == "true", root: resolved.text(row, 5)!, scanned: false)
            if resolved.text(row, 6) == "true" { entry.scanned = true }
            entries[oid] = entry
        }
        // Which oids the query names (as opposed to only scanning them).
        let namedNames = Set(
            references.relations.filter { !($0.count == 1 && references.commonTableExpressions.contains($0[0])) }.map(
                quoted))
        let namedResolution = try connection.execute(
            """
            SELECT DISTINCT c.oid::text FROM unnest(string_to_array($1, E'\\x1f')) AS x(name)
            JOIN pg_class c ON c.oid = to_regclass(CASE
                WHEN array_length(parse_ident(x.name), 1) = 3 AND (parse_ident(x.name))[1] = current_database()
                THEN quote_ident((parse_ident(x.name))[2]) || '.' || quote_ident((parse_ident(x.name))[3])
                WHEN array_length(parse_ident(x.name), 1) <= 2 THEN x.name END)
            """, [namedNames.joined(separator: "\u{1F}")])
        for row in 0..<namedResolution.rowCount { named.insert(namedResolution.text(row, 0)!) }
        var needed = named
        var through: Set<String> = []
        // Views: an invoker view's relations are needed too; a definer view's belong to its owner.
        var queue = Array(named)
        var seen: Set<String> = []
        while let oid = queue.popLast() {
            guard seen.insert(oid).inserted else { continue }
            let refs = try viewReferences(oid)
            guard !refs.isEmpty else { continue }
            let invoker =
                try connection.execute(
                    """
                    SELECT coalesce(reloptions::text[] && ARRAY['security_invoker=true', 'security_invoker=on'],
                        false)::text
                    FROM pg_class WHERE oid = $1::oid
                    """, [oid]
                ).text(0, 0) == "true"
            for ref in refs {
                if invoker && !through.contains(oid) {
                    needed.insert(ref.oid)
                } else {
                    through.insert(ref.oid)
                }
                entries[ref.oid] =
                    entries[ref.oid]
                    ?? Entry(relation: ref.relation, oid: ref.oid, invoker: false, root: ref.root, scanned: false)
                queue.append(ref.oid)
            }
        }
        through.subtract(needed)
        // Scanned tables no named relation accounts for (a name the reader above could not see,
        // such as U&"..."): needed, unless a named partitioned table or a definer view covers them.
        for entry in entries.values where entry.scanned && !needed.contains(entry.oid) && !through.contains(entry.oid) {
            if needed.contains(entry.root) { continue }
            needed.insert(entry.oid)
        }
        // A partition scanned under its named root needs no grant of its own.
        let neededRelations = needed.compactMap { entries[$0] }.filter {
            $0.root == $0.oid || !needed.contains($0.root)
        }.map(\.relation)
        let throughRelations = through.compactMap { entries[$0]?.relation }
        // Schemas: those of the needed relations, and every existing schema the query qualifies a name with.
        let qualifiers = try connection.execute(
            """
            SELECT nspname FROM pg_namespace WHERE nspname = ANY(string_to_array($1, E'\\x1f'))
              AND nspname NOT IN ('pg_catalog', 'information_schema')
            """, [references.qualifiers.joined(separator: "\u{1F}")])
        var schemas = Set(neededRelations.map(\.schema))
        for row in 0..<qualifiers.rowCount { schemas.insert(qualifiers.text(row, 0)!) }
        return (neededRelations.sorted(), throughRelations.sorted(), schemas.sorted())
    }

    /// The relations a view's definition references directly (none for a table).
    private func viewReferences(_ oid: String) throws -> [(oid: String, relation: RelationRef, root: String)] {
        let result = try connection.execute(
            """
            SELECT DISTINCT c.oid::text, n.nspname, c.relname, c.relkind::text,
                   coalesce((SELECT pg_partition_root(c.oid))::oid::text, c.oid::text)
            FROM pg_rewrite r JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass
            JOIN pg_class c ON c.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE r.ev_class = $1::oid AND c.oid <> $1::oid
            """, [oid])
        return (0..<result.rowCount).map {
            (
                result.text($0, 0)!,
                RelationRef(
                    schema: result.text($0, 1)!, name: result.text($0, 2)!,
                    kind: RelationRef.kind(relkind: result.text($0, 3)!)), result.text($0, 4)!
            )
        }
    }

    private static func collectRelations(_ node: Any, into found: inout Set<[String]>) {
        if let list = node as? [Any] {
            for item in list { collectRelations(item, into: &found) }
        } else if let object = node as? [String: Any] {
            if let name = object["Relation Name"] as? String, let schema = object["Schema"] as? String {
                found.insert([schema, name])
            }
            for value in object.values where value is [Any] || value is [String: Any] {
                collectRelations(value, into: &found)
            }
        }
    }

    /// What the connected role may do in this database beyond reading (superuser, role and
    /// database creation, powerful memberships, writes, schema creation) and every relation it may read.
    /// - Throws: `ConnectorError` when the catalog cannot be read.
    public func rolePrivileges() throws -> RolePrivileges {
        try connection.execute("BEGIN READ ONLY")
        defer { _ = try? connection.execute("ROLLBACK") }
        let userRelations = """
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
            """
        let role = try connection.execute(
            """
            SELECT current_user, rolsuper::text, rolcreaterole::text, rolcreatedb::text, rolbypassrls::text,
                   has_database_privilege(current_database(), 'CREATE')::text
            FROM pg_roles WHERE rolname = current_user
            """, [])
        var result = RolePrivileges(role: role.text(0, 0) ?? "?")
        result.superuser = role.text(0, 1) == "true"
        result.createRole = role.text(0, 2) == "true"
        result.createDatabase = role.text(0, 3) == "true"
        result.bypassRowSecurity = role.text(0, 4) == "true"
        result.createOnDatabase = role.text(0, 5) == "true"
        let members = try connection.execute(
            """
            SELECT r FROM unnest(string_to_array($1, ',')) r WHERE to_regrole(r) IS NOT NULL AND
                pg_has_role(current_user, r, 'MEMBER')
            """, [Self.powerfulRoles.joined(separator: ",")])
        result.memberships = (0..<members.rowCount).compactMap { members.text($0, 0) }
        let writes = try connection.execute(
            """
            SELECT n.nspname, c.relname, c.relkind::text,
                   array_to_string(ARRAY(SELECT p FROM unnest(ARRAY['DELETE', 'INSERT', 'TRUNCATE', 'UPDATE']) p
                                         WHERE has_table_privilege(c.oid, p)), ',')
            \(userRelations)
              AND (has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE')
                   OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'))
            ORDER BY 1, 2
            """, [])
        for row in 0..<writes.rowCount {
            let relation = RelationRef(
                schema: writes.text(row, 0)!, name: writes.text(row, 1)!,
                kind: RelationRef.kind(relkind: writes.text(row, 2)!))
            result.writable.append((relation, (writes.text(row, 3) ?? "").split(separator: ",").map(String.init)))
        }
        let schemas = try connection.execute(
            """
            SELECT nspname FROM pg_namespace WHERE has_schema_privilege(oid, 'CREATE')
              AND nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND nspname
                  NOT LIKE 'pg\\_temp%'
            ORDER BY 1
            """, [])
        result.creatableSchemas = (0..<schemas.rowCount).compactMap { schemas.text($0, 0) }
        let reads = try connection.execute(
            """
            SELECT n.nspname, c.relname, c.relkind::text \(userRelations) AND has_table_privilege(c.oid, 'SELECT')
                ORDER BY 1, 2
            """, [])
        result.readable = (0..<reads.rowCount).map {
            RelationRef(
                schema: reads.text($0, 0)!, name: reads.text($0, 1)!,
                kind: RelationRef.kind(relkind: reads.text($0, 2)!))
        }
        return result
    }
}

extension PostgresSource: RoleCatalog {}

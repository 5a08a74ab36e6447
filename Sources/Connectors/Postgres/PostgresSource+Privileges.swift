import Foundation

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
        let plain = part.first.map { $0 == "_" || ("a"..."z").contains($0) } == true
            && part.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        return plain ? part : "\"" + part.replacingOccurrences(of: "\"", with: "\"\"") + "\""
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
    public static let powerfulRoles = ["pg_signal_backend", "pg_read_server_files", "pg_write_server_files",
                                       "pg_execute_server_program", "pg_write_all_data", "pg_checkpoint"]

    /// The relations a query reads, as the privileges it needs: the tables and views it names
    /// (from the planner's `EXPLAIN (FORMAT JSON, VERBOSE)` and the names in its text), and the
    /// tables it reaches only through those views (which the view's owner must read, not the role).
    /// - Throws: `ConnectorError` when the query does not compile.
    public func relationsRead(by sql: String) throws -> (named: [RelationRef], throughViews: [RelationRef]) {
        let statement = try SingleStatement.trimmed(sql)
        try connection.execute("BEGIN READ ONLY")
        defer { _ = try? connection.execute("ROLLBACK") }
        let plan = try connection.execute("EXPLAIN (FORMAT JSON, VERBOSE) \(statement)", [])
        var scanned: Set<[String]> = []
        if let text = plan.text(0, 0), let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) {
            Self.collectRelations(json, into: &scanned)
        }
        // Names in the text resolve to relations as the query's own search_path would resolve them.
        let names = SQLLexer.qualifiedNames(statement).filter { $0.count <= 2 }
            .map { $0.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ".") }
        let resolved = try connection.execute("""
            SELECT DISTINCT n.nspname, c.relname, c.relkind::text
            FROM unnest(string_to_array($1, E'\\x1f')) AS x(name)
            JOIN pg_class c ON c.oid = to_regclass(x.name)
            JOIN pg_namespace n ON n.oid = c.relnamespace
            """, [Set(names).joined(separator: "\u{1F}")])
        var named: [RelationRef] = []
        for row in 0..<resolved.rowCount {
            let relation = RelationRef(schema: resolved.text(row, 0)!, name: resolved.text(row, 1)!,
                                       kind: RelationRef.kind(relkind: resolved.text(row, 2)!))
            // A view or partitioned table is not scanned under its own name; a plain name that the
            // plan never scans is a column, alias or CTE that happens to share a table's name.
            if relation.kind == "view" || relation.kind == "partitioned table"
                || scanned.contains([relation.schema, relation.name]) {
                named.append(relation)
            }
        }
        let namedKeys = Set(named.map { [$0.schema, $0.name] })
        var through: [RelationRef] = []
        for key in scanned where !namedKeys.contains(key) {
            through.append(RelationRef(schema: key[0], name: key[1], kind: "table"))
        }
        return (named.sorted(), through.sorted())
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
        let role = try connection.execute("""
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
        let members = try connection.execute("""
            SELECT r FROM unnest(string_to_array($1, ',')) r WHERE to_regrole(r) IS NOT NULL AND pg_has_role(current_user, r, 'MEMBER')
            """, [Self.powerfulRoles.joined(separator: ",")])
        result.memberships = (0..<members.rowCount).compactMap { members.text($0, 0) }
        let writes = try connection.execute("""
            SELECT n.nspname, c.relname, c.relkind::text,
                   array_to_string(ARRAY(SELECT p FROM unnest(ARRAY['DELETE', 'INSERT', 'TRUNCATE', 'UPDATE']) p
                                         WHERE has_table_privilege(c.oid, p)), ',')
            \(userRelations)
              AND (has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE')
                   OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'))
            ORDER BY 1, 2
            """, [])
        for row in 0..<writes.rowCount {
            let relation = RelationRef(schema: writes.text(row, 0)!, name: writes.text(row, 1)!, kind: RelationRef.kind(relkind: writes.text(row, 2)!))
            result.writable.append((relation, (writes.text(row, 3) ?? "").split(separator: ",").map(String.init)))
        }
        let schemas = try connection.execute("""
            SELECT nspname FROM pg_namespace WHERE has_schema_privilege(oid, 'CREATE')
              AND nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%'
            ORDER BY 1
            """, [])
        result.creatableSchemas = (0..<schemas.rowCount).compactMap { schemas.text($0, 0) }
        let reads = try connection.execute("""
            SELECT n.nspname, c.relname, c.relkind::text \(userRelations) AND has_table_privilege(c.oid, 'SELECT') ORDER BY 1, 2
            """, [])
        result.readable = (0..<reads.rowCount).map {
            RelationRef(schema: reads.text($0, 0)!, name: reads.text($0, 1)!, kind: RelationRef.kind(relkind: reads.text($0, 2)!))
        }
        return result
    }
}

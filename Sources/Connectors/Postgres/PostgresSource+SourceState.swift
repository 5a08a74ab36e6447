import Drivers
import Foundation
import SyncCore

extension PostgresSource {
    /// What `sql` reads and how its result depends on time (skip rule, docs/cost.md), asked of the
    /// planner and the catalog only: the relations of `EXPLAIN (FORMAT JSON, VERBOSE)` (views come
    /// resolved to their tables), each with its file node (a `TRUNCATE` or a rewrite makes a new
    /// one) and its rows inserted + updated + deleted from the statistics; and the functions its
    /// plan calls: `CURRENT_DATE` makes it depend on the day, anything else that is not immutable
    /// (`now()`, `random()`, `CURRENT_TIMESTAMP`, a stable or volatile function) makes it never
    /// skippable, as does a foreign table. The plan's text (its expressions, without costs) is
    /// digested too: a view redefined over unchanged tables changes it.
    /// - Throws: `ConnectorError` when the planner refuses the query.
    public func probeSources(_ sql: String, options: QueryOptions) throws -> SourceProbe {
        try explained(sql, verbose: true, options: options) { plan in
            guard let plan else { return SourceProbe(relations: [:], time: .volatile, plan: "") }
            return try probe(plan)
        }
    }

    /// The relations, time dependence and plan digest of one plan, with the catalog's counters.
    private func probe(_ plan: [String: Any]) throws -> SourceProbe {
        var relations: Set<String> = []
        var expressions: [String] = []
        var foreign = false
        let shape = XXH3Digest()
        func walk(_ node: [String: Any]) {
            if let name = node["Relation Name"] as? String {
                let schema = node["Schema"] as? String ?? "public"
                relations.insert(
                    PostgresDialect().quote(identifier: schema) + "." + PostgresDialect().quote(identifier: name))
            }
            if node["Node Type"] as? String == "Foreign Scan" { foreign = true }
            // TABLESAMPLE without REPEATABLE draws another sample each run.
            if node["Node Type"] as? String == "Sample Scan", node["Repeatable Seed"] == nil { foreign = true }
            // Keys in order, strings only (costs and row estimates are numbers): the same plan
            // digests the same in every process.
            for key in node.keys.sorted() {
                let value = node[key]
                if let text = value as? String {
                    if key != "Relation Name" && key != "Schema" && key != "Alias" { expressions.append(text) }
                    shape.update("\(key)=\(text)\n")
                } else if let texts = value as? [String] {
                    expressions += texts
                    shape.update("\(key)=\(texts.joined(separator: ","))\n")
                } else if key == "Plans", let children = value as? [[String: Any]] {
                    shape.update("(\n")
                    children.forEach(walk)
                    shape.update(")\n")
                }
            }
        }
        walk(plan)
        var time = SourceProbe.TimeDependence.none
        let deparsed = expressions.joined(separator: "\n")
        // 'now', 'today', 'tomorrow' and 'yesterday' are read as the time or the day when cast.
        let timeLiterals = ["'now'", "'today'", "'tomorrow'", "'yesterday'"]
        if foreign
            || ["CURRENT_TIMESTAMP", "CURRENT_TIME", "LOCALTIME", "LOCALTIMESTAMP"].contains(where: deparsed.contains)
            || timeLiterals.contains(where: deparsed.lowercased().contains)
        {
            time = .volatile
        } else if deparsed.contains("CURRENT_DATE") {
            time = .date
        }
        // The functions the plan calls: by name, the support functions of its aggregates, and those
        // behind user-defined casts to a type it casts to (`::integer`) and user-defined operators
        // it may use (the plan shows neither function). Any that is not immutable makes the result
        // depend on more than its tables, and the definitions of the user's own are digested
        // (CREATE OR REPLACE FUNCTION runs the model).
        let called = try connection.execute(
            """
            WITH named AS (SELECT oid FROM pg_proc WHERE proname = ANY($1::text[])),
            used AS (
                SELECT oid FROM named
                UNION SELECT f FROM pg_aggregate a JOIN named n ON n.oid = a.aggfnoid,
                    LATERAL (VALUES (a.aggtransfn), (a.aggfinalfn), (a.aggcombinefn)) AS s(f)
                WHERE f <> 0
                UNION SELECT c.castfunc FROM pg_cast c JOIN pg_proc f ON f.oid = c.castfunc
                WHERE f.pronamespace <> 'pg_catalog'::regnamespace
                  AND position('::' || format_type(c.casttarget, NULL) IN $2) > 0
                UNION SELECT o.oprcode::oid FROM pg_operator o
                WHERE o.oprnamespace <> 'pg_catalog'::regnamespace AND position(o.oprname IN $2) > 0)
            SELECT count(*) FILTER (WHERE p.provolatile <> 'i'),
                coalesce(string_agg(CASE WHEN p.pronamespace <> 'pg_catalog'::regnamespace AND p.prokind IN ('f', 'w')
                    THEN md5(pg_get_functiondef(p.oid)) END, ',' ORDER BY p.oid), '')
            FROM pg_proc p JOIN used u ON u.oid = p.oid
            """, [PostgresArrayText.literal(SQLLexer.calledFunctionNames(deparsed)), deparsed])
        if called.text(0, 0) != "0" { time = .volatile }
        shape.update("functions=\(called.text(0, 1) ?? "")\n")
        shape.update("types=\(try typesDigest(relations: relations.sorted(), deparsed: deparsed))\n")
        var counters: [String: [Int64]] = [:]
        if !relations.isEmpty {
            // Per relation: its file node (TRUNCATE, rewrites), rows written (the statistics), its
            // catalog row's version and a digest of its columns (ALTER TABLE that rewrites nothing:
            // ADD COLUMN with a default, RENAME COLUMN, a type or collation changed in place).
            let rows = try connection.execute(
                """
                SELECT r.name, pg_relation_filenode(r.name::regclass),
                    coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, -1), c.xmin::text::bigint,
                    ('x' || substr(md5((
                        SELECT string_agg(a.attname || ':' || a.atttypid || ':' || a.atttypmod || ':' || a.attcollation,
                            ',' ORDER BY a.attnum)
                        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)), 1, 15)
                    )::bit(60)::bigint,
                    c.relkind::text
                FROM unnest($1::text[]) AS r(name) JOIN pg_class c ON c.oid = r.name::regclass
                LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
                """, [PostgresArrayText.literal(relations.sorted())])
            for row in 0..<rows.rowCount {
                guard let name = rows.text(row, 0) else { continue }
                counters[name] = (1...4).map { Int64(rows.text(row, $0) ?? "") ?? -1 }
                if rows.text(row, 5) == "S" { time = .volatile }  // a sequence moves without counting writes
            }
            // The statistics' own epoch: a restart, a failover or a reset of the counters can bring
            // them back to the stored values; a standby's counters never count replayed writes, and
            // track_counts off counts nothing.
            let server = try connection.execute(
                """
                SELECT (extract(epoch FROM pg_postmaster_start_time()) * 1000000)::bigint,
                    coalesce((extract(epoch FROM d.stats_reset) * 1000000)::bigint, 0),
                    pg_is_in_recovery() OR current_setting('track_counts') <> 'on'
                FROM pg_stat_database d WHERE d.datname = current_database()
                """)
            if server.rowCount == 1 {
                counters[Self.serverEpochKey] = [
                    Int64(server.text(0, 0) ?? "") ?? -1, Int64(server.text(0, 1) ?? "") ?? -1,
                ]
                if server.text(0, 2) != "f" { time = .volatile }
            } else {
                time = .volatile
            }
        }
        // Only beside relations: a query that reads none is never skipped.
        if !counters.isEmpty { counters[Self.sessionKey] = try sessionIdentity() }
        return SourceProbe(
            relations: counters, time: time, plan: shape.hex, totalCost: (plan["Total Cost"] as? NSNumber)?.doubleValue)
    }

    /// A digest of the structure of every type the result can carry: the types of the columns of
    /// `relations` and of the user's types the plan casts to, followed recursively through
    /// composites' attributes, domains' base types, arrays' elements and ranges' subtypes, with
    /// enums' labels in their order. `ALTER TYPE ... ADD ATTRIBUTE` keeps a column's type OID but
    /// changes this digest.
    private func typesDigest(relations: [String], deparsed: String) throws -> String {
        let digest = try connection.execute(
            """
            WITH RECURSIVE roots(oid) AS (
                SELECT a.atttypid FROM pg_attribute a
                WHERE a.attrelid = ANY($1::regclass[]) AND a.attnum > 0 AND NOT a.attisdropped
                UNION SELECT t.oid FROM pg_type t
                WHERE t.typnamespace <> 'pg_catalog'::regnamespace
                  AND position('::' || format_type(t.oid, NULL) IN $2) > 0
            ), reached(oid) AS (
                SELECT oid FROM roots
                UNION
                SELECT n.oid FROM reached r JOIN pg_type t ON t.oid = r.oid, LATERAL (
                    SELECT a.atttypid FROM pg_attribute a
                    WHERE t.typrelid <> 0 AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                    UNION ALL SELECT t.typbasetype WHERE t.typbasetype <> 0
                    UNION ALL SELECT t.typelem WHERE t.typelem <> 0
                    UNION ALL SELECT g.rngsubtype FROM pg_range g WHERE g.rngtypid = t.oid
                    UNION ALL SELECT g.rngtypid FROM pg_range g WHERE g.rngmultitypid = t.oid) AS n(oid)
            )
            SELECT md5(coalesce(string_agg(
                t.oid::text || ':' || t.typtype::text || ':' || t.typtypmod || ':' || t.typcollation
                || ':' || t.typbasetype
                || ':' || t.typelem
                || coalesce((SELECT ':' || string_agg(a.attname || '=' || a.atttypid || '/' || a.atttypmod || '/'
                        || a.attcollation, ',' ORDER BY a.attnum)
                    FROM pg_attribute a
                    WHERE t.typrelid <> 0 AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '')
                || coalesce((SELECT ':' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                    FROM pg_enum e WHERE e.enumtypid = t.oid), '')
                || coalesce((SELECT ':' || g.rngsubtype || '/' || g.rngcollation || '/' || g.rngsubopc
                    FROM pg_range g WHERE g.rngtypid = t.oid), ''),
                ';' ORDER BY t.oid), ''))
            FROM reached r JOIN pg_type t ON t.oid = r.oid
            """, [PostgresArrayText.literal(relations), deparsed])
        return digest.text(0, 0) ?? ""
    }

    /// Who answers: the current and session roles (a result may use `CURRENT_USER`, row-level
    /// security depends on it), the database's OID and the cluster's system identifier (a copy of
    /// the database elsewhere has the same tables and counters). Where `pg_control_system()` is
    /// not granted, the server's start time and address stand in for the identifier.
    private func sessionIdentity() throws -> [Int64] {
        let row = try connection.execute(
            """
            SELECT ('x' || substr(md5(current_user::text), 1, 15))::bit(60)::bigint,
                ('x' || substr(md5(session_user::text), 1, 15))::bit(60)::bigint,
                (SELECT oid FROM pg_database WHERE datname = current_database())::bigint,
                ('x' || substr(md5(CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
                    THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system())
                    ELSE pg_postmaster_start_time()::text || coalesce(host(inet_server_addr()), 'socket')
                        || coalesce(inet_server_port()::text, '') END), 1, 15))::bit(60)::bigint
            """)
        return (0..<4).map { Int64(row.text(0, $0) ?? "") ?? -1 }
    }

    /// The entry of a probe's relations that holds the statistics' epoch, not a relation.
    static let serverEpochKey = "(statistics epoch)"
    /// The entry of a probe's relations that says who answered (`sessionIdentity`), not a relation.
    static let sessionKey = "(session)"
}

/// A text array literal (`{"a","b"}`) for a `$1::text[]` parameter.
enum PostgresArrayText {
    static func literal(_ values: [String]) -> String {
        "{"
            + values.map {
                "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    + "\""
            }
            .joined(separator: ",") + "}"
    }
}

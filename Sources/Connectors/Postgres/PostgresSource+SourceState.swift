import Drivers
import Foundation
import SyncCore

extension PostgresSource {
    /// What `sql` reads and how its result depends on time (SPEC 10's skip rule), asked of the
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
                    Dialect.postgres.quote(identifier: schema) + "." + Dialect.postgres.quote(identifier: name))
            }
            if node["Node Type"] as? String == "Foreign Scan" { foreign = true }
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
        if foreign
            || ["CURRENT_TIMESTAMP", "CURRENT_TIME", "LOCALTIME", "LOCALTIMESTAMP"].contains(where: deparsed.contains)
        {
            time = .volatile
        } else if deparsed.contains("CURRENT_DATE") {
            time = .date
        }
        let functions = Self.calledFunctions(deparsed)
        if time != .volatile, !functions.isEmpty {
            let volatile = try connection.execute(
                "SELECT count(*) FROM pg_proc WHERE proname = ANY($1::text[]) AND provolatile <> 'i'",
                [PostgresArrayText.literal(functions)])
            if volatile.text(0, 0) != "0" { time = .volatile }
        }
        var counters: [String: [Int64]] = [:]
        if !relations.isEmpty {
            let rows = try connection.execute(
                """
                SELECT r.name, pg_relation_filenode(r.name::regclass),
                    coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, -1)
                FROM unnest($1::text[]) AS r(name) LEFT JOIN pg_stat_all_tables s ON s.relid = r.name::regclass
                """, [PostgresArrayText.literal(relations.sorted())])
            for row in 0..<rows.rowCount {
                guard let name = rows.text(row, 0) else { continue }
                counters[name] = [Int64(rows.text(row, 1) ?? "") ?? -1, Int64(rows.text(row, 2) ?? "") ?? -1]
            }
        }
        return SourceProbe(
            relations: counters, time: time, plan: shape.hex, totalCost: (plan["Total Cost"] as? NSNumber)?.doubleValue)
    }

    /// The names called as functions in deparsed expressions: an identifier right before `(`.
    static func calledFunctions(_ text: String) -> [String] {
        var names: Set<String> = []
        var current = ""
        for scalar in text.unicodeScalars {
            if scalar == "_" || CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else {
                if scalar == "(", let first = current.unicodeScalars.first, !CharacterSet.decimalDigits.contains(first)
                {
                    names.insert(current.lowercased())
                }
                current = ""
            }
        }
        return names.sorted()
    }
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

import Foundation
import SyncCore

/// The runs table: a run's row written (whole, or rewritten once a streamed commit settles) and read,
/// its columns made from `RunRecord.fields`, written once for both engines.
extension SQLStore {
    package func record(_ run: RunRecord) throws {
        try writing {
            try insertRun(run)
            try database.run(
                """
                INSERT INTO \(table(.models)) (model, trait_names, last_run_id)
                VALUES (\(d.param(1)), '[]', \(d.param(2)))
                ON CONFLICT (model) DO UPDATE SET last_run_id = excluded.last_run_id
                """, [.text(run.model), .text(run.id)])
        }
    }

    /// Rewrites every field of the run `seq` with `record`'s.
    func updateRun(seq: Int64, _ record: RunRecord) throws {
        let fields = RunRecord.fields
        let assignments = fields.enumerated().map { "\($1.name) = \(placeholder($1, $0 + 2))" }
        try database.run(
            "UPDATE \(table(.runs)) SET \(assignments.joined(separator: ", ")) WHERE seq = \(d.param(1))",
            [.integer(seq)] + runValues(record))
    }

    /// Inserts the run and returns its sequence number.
    @discardableResult
    func insertRun(_ record: RunRecord) throws -> Int64 {
        let fields = RunRecord.fields
        let placeholders = fields.enumerated().map { placeholder($1, $0 + 1) }
        let seq = try database.first(
            "INSERT INTO \(table(.runs)) (\(fields.map(\.name).joined(separator: ", "))) VALUES ("
                + placeholders.joined(separator: ", ") + ") RETURNING seq", runValues(record)
        ) { $0.integer(0) }
        guard let seq else { throw StoreError("the store \(database.name) gave run \(record.id) no sequence number") }
        return seq
    }

    /// The parameter `number` as `field` binds it.
    private func placeholder(_ field: RunField, _ number: Int) -> String {
        switch field.kind {
        case .instant: d.instantParam(number)
        case .measures: d.jsonParam(number)
        case .text, .integer: d.param(number)
        }
    }

    /// The run's fields as the store binds them, in `RunRecord.fields` order.
    private func runValues(_ record: RunRecord) -> [StoreValue] {
        RunRecord.fields.map { field in
            switch field.get(record) {
            case .null: .null
            case .text(let text): .text(text)
            case .integer(let n): .integer(n)
            case .instant(let date): .real(date.timeIntervalSince1970)
            case .measures(let measures): .text(RunRecord.measuresJSON(measures))
            }
        }
    }

    package func runs(model: String?, limit: Int) throws -> [RunRecord] {
        // Two statements, not "? IS NULL OR model = ?": the planner can use the (model, started_at)
        // index only for a plain equality.
        guard let model else {
            return try selectRuns(
                "ORDER BY started_at DESC, id DESC LIMIT \(d.param(1))", [.integer(Int64(limit))])
        }
        return try selectRuns(
            "WHERE model = \(d.param(1)) ORDER BY started_at DESC, id DESC LIMIT \(d.param(2))",
            [.text(model), .integer(Int64(limit))])
    }

    package func run(id: String) throws -> RunRecord? {
        try selectRuns("WHERE id = \(d.param(1))", [.text(id)]).first
    }

    /// The runs `clause` (WHERE, ORDER BY, LIMIT) selects, every field read.
    private func selectRuns(_ clause: String, _ values: [StoreValue]) throws -> [RunRecord] {
        let fields = RunRecord.fields
        let columns = fields.map { field in
            switch field.kind {
            case .instant: d.epoch(field.name)
            case .measures: d.jsonText(field.name)
            case .text, .integer: field.name
            }
        }
        var result: [RunRecord] = []
        try database.query("SELECT \(columns.joined(separator: ", ")) FROM \(table(.runs)) " + clause, values) { row in
            var column = 0
            result.append(
                RunRecord.read { field in
                    defer { column += 1 }
                    switch field.kind {
                    case .text: return row.text(column).map { .text($0) } ?? .null
                    case .integer: return row.integer(column).map { .integer($0) } ?? .null
                    case .instant: return row.instant(column).map { .instant($0) } ?? .null
                    case .measures:
                        return row.text(column).flatMap(RunRecord.measures(json:)).map { .measures($0) } ?? .null
                    }
                })
        }
        return result
    }
}

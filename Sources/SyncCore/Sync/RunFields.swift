import Foundation

/// A value of one run field, in the few kinds a store column holds.
package enum RunFieldValue: Sendable, Equatable {
    case null
    case text(String)
    case integer(Int64)
    /// An instant, stored as epoch seconds (SQLite) or `timestamptz` (PostgreSQL).
    case instant(Date)
    /// Named measures (the warehouse's cost), stored as a JSON object.
    case measures([String: Double])
}

/// One field of a run record: its name, which is the store column, the `runs --json` key and the
/// event-log field, what kind of value it holds, and how to read and write it on a record.
package struct RunField: Sendable {
    package enum Kind: Sendable {
        case text, integer, instant, measures
    }
    package let name: String
    package let kind: Kind
    package let get: @Sendable (RunRecord) -> RunFieldValue
    package let set: @Sendable (inout RunRecord, RunFieldValue) -> Void
}

extension RunRecord {
    /// Every field of a run, in column order: the one place a run's fields are listed. Both stores'
    /// `runs` tables (columns added on open when this list grows), their inserts and selects,
    /// `runs --json` and the event log are made from it.
    package static let fields: [RunField] = [
        text("id", \.id), text("model", \.model), text("source", \.source),
        RunField(name: "trigger", kind: .text, get: { .text($0.trigger.rawValue) }) { record, value in
            if case .text(let t) = value, let trigger = Trigger(rawValue: t) { record.trigger = trigger }
        },
        RunField(name: "status", kind: .text, get: { .text($0.status.rawValue) }) { record, value in
            if case .text(let s) = value, let status = Status(rawValue: s) { record.status = status }
        },
        RunField(name: "started_at", kind: .instant, get: { .instant($0.startedAt) }) { record, value in
            if case .instant(let date) = value { record.startedAt = date }
        },
        RunField(name: "finished_at", kind: .instant, get: { $0.finishedAt.map(RunFieldValue.instant) ?? .null }) {
            record, value in
            if case .instant(let date) = value { record.finishedAt = date } else { record.finishedAt = nil }
        },
        count("rows_read", \.counts.rowsRead), count("invalid", \.counts.invalid), count("added", \.counts.added),
        count("changed", \.counts.changed), count("removed", \.counts.removed), count("unchanged", \.counts.unchanged),
        count("traits_written", \.counts.traitsWritten),
        integer("query_ms", \.queryMs), integer("fetch_ms", \.fetchMs), count("bytes_received", \.bytesReceived),
        RunField(name: "cost", kind: .measures, get: { $0.cost.map(RunFieldValue.measures) ?? .null }) {
            record, value in
            if case .measures(let measures) = value { record.cost = measures } else { record.cost = nil }
        },
        RunField(name: "error", kind: .text, get: { $0.error.map(RunFieldValue.text) ?? .null }) { record, value in
            if case .text(let text) = value { record.error = text } else { record.error = nil }
        },
        RunField(name: "error_code", kind: .text, get: { $0.errorCode.map(RunFieldValue.text) ?? .null }) {
            record, value in
            if case .text(let text) = value { record.errorCode = text } else { record.errorCode = nil }
        },
        RunField(name: "reads", kind: .text, get: { $0.reads.map(RunFieldValue.text) ?? .null }) { record, value in
            if case .text(let text) = value { record.reads = text } else { record.reads = nil }
        },
    ]

    private static func text(_ name: String, _ path: WritableKeyPath<RunRecord, String> & Sendable) -> RunField {
        RunField(name: name, kind: .text, get: { .text($0[keyPath: path]) }) { record, value in
            if case .text(let text) = value { record[keyPath: path] = text }
        }
    }

    private static func count(_ name: String, _ path: WritableKeyPath<RunRecord, Int> & Sendable) -> RunField {
        RunField(name: name, kind: .integer, get: { .integer(Int64($0[keyPath: path])) }) { record, value in
            if case .integer(let n) = value { record[keyPath: path] = Int(n) }
        }
    }

    private static func integer(_ name: String, _ path: WritableKeyPath<RunRecord, Int64> & Sendable) -> RunField {
        RunField(name: name, kind: .integer, get: { .integer($0[keyPath: path]) }) { record, value in
            if case .integer(let n) = value { record[keyPath: path] = n }
        }
    }

    /// The field names in order: a store records which list its `runs` table was made for, and adds
    /// the columns of fields it lacks when this changes.
    package static var fieldsFingerprint: String { fields.map(\.name).joined(separator: ",") }

    /// A record with every field read from `value(field)`.
    package static func read(_ value: (RunField) throws -> RunFieldValue) rethrows -> RunRecord {
        var record = RunRecord(
            id: "", model: "", source: "", trigger: .manual, status: .failed,
            startedAt: Date(timeIntervalSince1970: 0))
        for field in fields { field.set(&record, try value(field)) }
        return record
    }

    /// The cost's JSON object text, as the stores keep it.
    package static func measuresJSON(_ measures: [String: Double]) -> String {
        (try? String(decoding: JSONEncoder().encode(measures), as: UTF8.self)) ?? "{}"
    }

    /// The cost read back from the stores' JSON object text.
    package static func measures(json: String) -> [String: Double]? {
        try? JSONDecoder().decode([String: Double].self, from: Data(json.utf8))
    }
}

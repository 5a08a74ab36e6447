import Drivers
import SyncCore

/// How the probes of kinds that ask their warehouse's metadata in SQL read its small results.
extension SourceConnection {
    /// The first column of each row of `sql`'s result that is text.
    func firstTexts(_ sql: String, options: QueryOptions) throws -> [String] {
        try collectAll(sql, options: options).rows.compactMap { row in
            if case .text(let text)? = row.first { text } else { nil }
        }
    }

    /// Rows of (name, number) as each relation's counters: the change token or modification time.
    func namedCounters(_ sql: String, options: QueryOptions) throws -> [String: [Int64]] {
        var counters: [String: [Int64]] = [:]
        for row in try collectAll(sql, options: options).rows {
            guard case .text(let name)? = row.first else { continue }
            counters[name] = [ProbeRows.counter(row.dropFirst().first) ?? -1]
        }
        return counters
    }
}

enum ProbeRows {
    /// A metadata value as a counter; nil when it is no number an Int64 holds (never a trap).
    static func counter(_ value: Value?) -> Int64? {
        value?.measure.flatMap { Int64(exactly: $0.rounded()) }
    }
}

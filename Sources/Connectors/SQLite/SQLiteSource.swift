import Drivers
import Foundation
import SyncCore

/// Reads model results from a SQLite file, opened read-only (`PRAGMA query_only` as well).
///
/// Values take their type from the column's declared type where there is one (`DATE`,
/// `BOOLEAN`, `DECIMAL(12,2)`, `JSON`), else from the value's storage class.
public final class SQLiteSource: SourceConnection {
    public let database: SQLiteDatabase

    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConnectorError(.connectionFailed, "SQLite database \(path) does not exist", sqlState: "08001")
        }
        database = try SQLiteDatabase(path: path, readOnly: true)
        try database.execute("PRAGMA query_only = 1")
        database.forbidAttach()
    }

    public func describe(_ sql: String, options: QueryOptions) throws -> [Column] {
        try SingleStatement.require(sql)
        let statement = try database.prepare(sql, single: true)
        try requireReadOnly(statement)
        return (0..<statement.columnCount).map {
            Column(name: statement.columnName($0), type: Self.type(declared: statement.declaredType($0)))
        }
    }

    public func stream(_ sql: String, options: QueryOptions, into receiver: inout some RowReceiver) throws -> QueryStats
    {
        let token = options.cancellation
        var watch = Stopwatch()
        try SingleStatement.require(sql)
        let statement = try database.prepare(sql, single: true)
        try requireReadOnly(statement)
        let columns = (0..<statement.columnCount).map {
            Column(name: statement.columnName($0), type: Self.type(declared: statement.declaredType($0)))
        }
        try receiver.columns(columns)
        let interrupt = database.interruptHandle()
        return try token.whileInFlight(cancel: { interrupt.send() }) {
            try fetch(statement, columns, options, &receiver, interrupt, &watch)
        }
    }

    private func fetch(
        _ statement: SQLiteStatement, _ columns: [Column], _ options: QueryOptions,
        _ receiver: inout some RowReceiver, _ interrupt: SQLiteInterrupt, _ watch: inout Stopwatch
    ) throws -> QueryStats {
        let token = options.cancellation
        let deadline = options.timeout.map { ContinuousClock.now + $0 }
        let timer = deadline.map { deadline in
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.schedule(deadline: .now() + .milliseconds(Int((deadline - .now).milliseconds)))
            timer.setEventHandler { interrupt.send() }
            timer.resume()
            return timer
        }
        // Disarmed first: a timer that fires as the statement ends interrupts nothing after it.
        defer {
            interrupt.disarm()
            timer?.cancel()
        }
        var stats = QueryStats()
        var values = [Value](repeating: .null, count: columns.count)
        do {
            while try statement.step() {
                if stats.rows == 0 { stats.queryTime = watch.lap() }
                for index in 0..<columns.count {
                    values[index] = read(statement, index, columns[index].type, &stats.bytes)
                }
                stats.rows += 1
                try receiver.row(values)
            }
        } catch var error as ConnectorError where error.code == .cancelled {
            if !token.isCancelled, let deadline, deadline <= .now {
                error.code = .timeout
                error.message = "the query ran longer than its timeout"
            }
            throw error
        }
        if stats.rows == 0 { stats.queryTime = watch.lap() }
        stats.fetchTime = watch.lap()
        return stats
    }

    private func requireReadOnly(_ statement: SQLiteStatement) throws {
        if !statement.isReadOnly {
            throw ConnectorError(
                .query, "attempt to write a readonly database: a model must only read",
                sqlState: "25006")
        }
    }

    private func read(_ s: SQLiteStatement, _ index: Int, _ declared: ValueType, _ bytes: inout Int) -> Value {
        switch s.storage(index) {
        case .null:
            return .null
        case .integer:
            bytes += 8
            let value = s.int64(index)
            switch declared {
            case .bool: return .bool(value != 0)
            case .double: return .double(Double(value))
            case .decimal: return .decimal(String(value))
            default: return .int(value)
            }
        case .float:
            bytes += 8
            let value = s.double(index)
            guard declared == .decimal, let plain = TextCellDecoder.plainDecimal(value) else { return .double(value) }
            return .decimal(plain)
        case .blob:
            let blob = s.blob(index)
            bytes += blob.count
            return .bytes(blob)
        case .text:
            // Text that is not valid UTF-8 is kept as its bytes: replacing the bad bytes would make
            // distinct values equal.
            guard let text = s.validText(index) else {
                let raw = s.blob(index)
                bytes += raw.count
                return .bytes(raw)
            }
            bytes += text.utf8.count
            switch declared {
            case .date: return .date(text)
            case .timestamp: return .timestamp(text.replacingOccurrences(of: " ", with: "T"))
            case .timestampTZ: return .timestampTZ(text)
            case .json: return .json(text)
            case .decimal: return .decimal(text)
            default: return .text(text)
            }
        }
    }

    /// SQLite's type affinity rules, refined for the names warehouses use.
    static func type(declared: String?) -> ValueType {
        guard let declared = declared?.uppercased(), !declared.isEmpty else { return .unknown }
        if declared.hasPrefix("BOOL") { return .bool }
        if declared.hasPrefix("TIMESTAMPTZ") || declared.contains("WITH TIME ZONE") { return .timestampTZ }
        if declared.hasPrefix("DATETIME") || declared.hasPrefix("TIMESTAMP") { return .timestamp }
        if declared == "DATE" { return .date }
        if declared.hasPrefix("JSON") { return .json }
        if declared.hasPrefix("DECIMAL") || declared.hasPrefix("NUMERIC") { return .decimal }
        if declared.contains("INT") { return .int }
        if declared.contains("CHAR") || declared.contains("CLOB") || declared.contains("TEXT") { return .text }
        if declared.contains("BLOB") { return .bytes }
        if declared.contains("REAL") || declared.contains("FLOA") || declared.contains("DOUB") { return .double }
        return .unknown
    }
}

@available(*, unavailable)
extension SQLiteSource: Sendable {}

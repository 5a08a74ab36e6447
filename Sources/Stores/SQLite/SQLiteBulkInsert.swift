import Drivers
import SyncCore

/// Appends rows to one table with a multi-row statement, `rowsPerStatement` rows a step instead of
/// one: `INSERT INTO t (constants..., columns...) SELECT ?1...?C, column1...columnR FROM (VALUES
/// (...), (...), ...) LIMIT ?L`. Values that are the same for every row (the run, the model) are
/// bound once a statement; the `LIMIT` lets the last, partial statement insert only the rows bound.
/// No conflict handling: for rows no row of the table can collide with (a first sync into an empty
/// store). Used by one thread at a time.
final class SQLiteBulkInsert {
    static let rowsPerStatement: Int32 = 64

    private let statement: SQLiteStatement
    private let bindConstants: (SQLiteStatement) -> Void
    private let constantCount: Int32
    private let rowColumns: Int32
    private var pending: Int32 = 0

    /// - Parameters:
    ///   - constantColumns: columns that take the same value in every row, bound by `bindConstants`
    ///     to parameters 1...`constantColumns.count`.
    ///   - rowColumns: columns whose values each row binds (`append`).
    /// - Throws: `ConnectorError` when the statement does not prepare (no such table or column).
    init(
        db: SQLiteDatabase, table: String, constantColumns: [String], rowColumns: [String],
        bindConstants: @escaping (SQLiteStatement) -> Void
    ) throws {
        constantCount = Int32(constantColumns.count)
        self.rowColumns = Int32(rowColumns.count)
        self.bindConstants = bindConstants
        let limit = constantColumns.count + 1
        var next = limit + 1
        var rows: [String] = []
        for _ in 0..<Self.rowsPerStatement {
            let parameters = (0..<rowColumns.count).map { offset in "?\(next + offset)" }
            rows.append("(\(parameters.joined(separator: ", ")))")
            next += rowColumns.count
        }
        let select =
            (0..<constantColumns.count).map { "?\($0 + 1)" } + (0..<rowColumns.count).map { "column\($0 + 1)" }
        statement = try db.prepare(
            """
            INSERT INTO \(table) (\((constantColumns + rowColumns).joined(separator: ", ")))
            SELECT \(select.joined(separator: ", ")) FROM (VALUES \(rows.joined(separator: ", "))) LIMIT ?\(limit)
            """)
    }

    /// Binds one row: `bind(statement, first)` binds the row's values to parameters `first`,
    /// `first + 1`, ... in `rowColumns` order. Inserts every `rowsPerStatement` rows.
    /// - Throws: `ConnectorError` from SQLite when the insert fails (a constraint, I/O).
    func append(_ bind: (SQLiteStatement, Int32) -> Void) throws {
        bind(statement, constantCount + 2 + pending * rowColumns)
        pending += 1
        if pending == Self.rowsPerStatement { try flush() }
    }

    /// Inserts the rows bound since the last insert.
    /// - Throws: `ConnectorError` from SQLite when the insert fails.
    func flush() throws {
        guard pending > 0 else { return }
        bindConstants(statement)
        statement.bind(constantCount + 1, Int64(pending))
        defer {
            statement.reset()
            pending = 0
        }
        try statement.step()
    }
}

import SyncCore

/// Keeps the first row of a small query.
private struct FirstRowReceiver: RowReceiver {
    var row: [Value]?
    mutating func columns(_ columns: [Column]) throws {}
    mutating func row(_ values: [Value]) throws { if row == nil { row = values } }
}

/// Keeps a whole small result: catalog queries, never a model's rows.
private struct SmallResultReceiver: RowReceiver {
    var columns: [String] = []
    var rows: [[Value]] = []
    mutating func columns(_ columns: [Column]) throws { self.columns = columns.map(\.name) }
    mutating func row(_ values: [Value]) throws { rows.append(values) }
}

extension SourceConnection {
    /// The first row of a small query, or nil when it returns none.
    public func collectFirstRow(_ sql: String, options: QueryOptions) throws -> [Value]? {
        var first = FirstRowReceiver()
        _ = try stream(sql, options: options, into: &first)
        return first.row
    }

    /// Every row of a small query (a catalog query) with its column names.
    public func collectAll(_ sql: String, options: QueryOptions) throws -> (columns: [String], rows: [[Value]]) {
        var all = SmallResultReceiver()
        _ = try stream(sql, options: options, into: &all)
        return (all.columns, all.rows)
    }
}

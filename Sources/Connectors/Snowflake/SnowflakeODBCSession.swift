import SyncCore

/// A Snowflake session through its ODBC driver whose result column names are read as on the SQL API
/// route (`SnowflakeNames`), so a model reads the same on both.
final class SnowflakeODBCSession: ScratchSession {
    let source: ODBCSource

    init(_ source: ODBCSource) { self.source = source }

    func stream(_ sql: String, options: QueryOptions, into receiver: inout some RowReceiver) throws -> QueryStats {
        var folded = SnowflakeFoldedReceiver(inner: receiver)
        defer { receiver = folded.inner }
        return try source.stream(sql, options: options, into: &folded)
    }

    func describe(_ sql: String, options: QueryOptions) throws -> [Column] {
        SnowflakeNames.folded(try source.describe(sql, options: options))
    }

    func execute(_ sql: String, readOnly: Bool, options: QueryOptions) throws -> Int {
        try source.execute(sql, readOnly: readOnly, options: options)
    }
}

@available(*, unavailable)
extension SnowflakeODBCSession: Sendable {}

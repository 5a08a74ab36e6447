import Drivers
import SyncCore

extension PostgresSource: ScratchSession {
    /// Runs one of WarehouseSync's own statements (a warehouse-side diff's, SPEC 12) in a
    /// transaction of its own, with the read session's settings, tag and timeout, and commits it.
    /// With `readOnly` the transaction is `READ ONLY`: the statement may then write only temporary
    /// tables, so a model's query inside it cannot write anywhere, whatever the role may do.
    /// Cancelling `options.cancellation` cancels the statement on the server.
    /// - Returns: the rows the statement inserted or affected.
    /// - Throws: `ConnectorError`; the transaction is then rolled back.
    public func execute(_ sql: String, readOnly: Bool, options: QueryOptions) throws -> Int {
        let token = options.cancellation
        try SingleStatement.require(sql)
        if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled before it started") }
        guard let cancel = connection.cancelHandle() else { throw connection.error(nil) }
        try begin(options, readOnly: readOnly)
        do {
            let affected = try token.whileInFlight(cancel: { cancel.send() }) {
                if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled before it started") }
                // The extended protocol (PQexecParams): the server refuses a text of several statements.
                return try connection.execute(sql, []).affectedRows
            }
            _ = try connection.execute("COMMIT")
            return affected
        } catch {
            rollback()
            if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled") }
            throw error
        }
    }
}

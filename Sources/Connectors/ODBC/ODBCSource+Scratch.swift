import Drivers
import SyncCore

extension ODBCSource: ScratchSession {
    /// Runs one of WarehouseSync's own statements (a warehouse-side diff's, docs/warehouse-diff.md) with the
    /// session's tag and timeout. Snowflake and BigQuery have no read-only transactions: what the
    /// session may write is what the role's grants allow (docs/warehouse-diff.md).
    /// `SQLCancel` stops it when `options.cancellation` is cancelled.
    /// - Returns: the rows the driver says it affected (`SQLRowCount`), or 0.
    /// - Throws: `ConnectorError`.
    public func execute(_ sql: String, readOnly: Bool, options: QueryOptions) throws -> Int {
        let token = options.cancellation
        try SingleStatement.require(sql)
        if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled before it started") }
        try setUpSession(options)
        let statement = try ODBCStatement(connection: connection)
        if let timeout = options.timeout { statement.setQueryTimeout(timeout) }
        let cancel = ODBCCancelHandle(statement)
        return try token.whileInFlight(cancel: { cancel.send() }) {
            try statement.execute(sql, cancelled: token.isCancelled)
            return statement.rowCount
        }
    }
}

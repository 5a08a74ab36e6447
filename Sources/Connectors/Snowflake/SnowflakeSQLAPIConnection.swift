import Drivers
import Foundation
import SyncCore

/// A Snowflake session over the SQL API v2 (docs/warehouses.md): each statement is one request; its
/// result streams partition by partition, in order, one partition in memory at a time. Result column
/// names are read as `SnowflakeNames` says (`USER_ID` as `user_id`).
public final class SnowflakeSQLAPIConnection: ScratchSession {
    let client: SnowflakeSQLAPIClient
    /// The handle (query id) of the last statement this session ran, which `LAST_QUERY_ID()` names on a
    /// Snowflake session.
    private var lastHandle: String?

    init(client: SnowflakeSQLAPIClient) { self.client = client }

    /// Runs `sql`, and keeps its handle; the session's cost query asks for the last statement's by its id,
    /// since each SQL API request is a Snowflake session of its own.
    private func run(_ sql: String, options: QueryOptions) throws -> (result: SnowflakeSQLAPIResponse, bytes: Int) {
        let statement =
            sql == SnowflakeDialect.sessionCostQuery ? lastHandle.map(SnowflakeDialect.costQuery(queryID:)) ?? sql : sql
        let answer = try client.run(statement, options: options)
        lastHandle = answer.result.statementHandle
        return answer
    }

    /// Runs `sql` and streams its rows into `receiver`, partition after partition.
    /// - Throws: `ConnectorError` (Snowflake's error, `.cancelled`, `.timeout`, a lost connection), or
    ///   what `receiver` throws.
    public func stream(_ sql: String, options: QueryOptions, into receiver: inout some RowReceiver) throws -> QueryStats
    {
        var watch = Stopwatch()
        let (result, bytes) = try run(sql, options: options)
        let rowType = result.resultSetMetaData?.rowType ?? []
        try receiver.columns(Self.columns(rowType))
        var stats = QueryStats()
        stats.bytes = bytes
        stats.queryTime = watch.lap()
        var values = [Value](repeating: .null, count: rowType.count)
        let types = rowType.map(\.decodedType)
        func emit(_ rows: [[String?]]) throws {
            for row in rows {
                for (index, column) in rowType.enumerated() {
                    values[index] = SnowflakeSQLAPIValues.value(
                        index < row.count ? row[index] : nil, type: types[index], scale: column.scale)
                }
                stats.rows += 1
                try receiver.row(values)
            }
        }
        try emit(result.data ?? [])
        if result.partitionCount > 1, let handle = result.statementHandle {
            for index in 1..<result.partitionCount {
                if options.cancellation.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled") }
                let page = try client.partition(handle, index, options: options)
                stats.bytes += page.bytes
                try emit(page.rows)
            }
        }
        stats.fetchTime = watch.lap()
        return stats
    }

    /// Runs `sql` and returns its columns; Snowflake's SQL API has no describe-only request, so the
    /// caller sends a statement that returns no rows (`SQLDialect.compileOnly`).
    public func describe(_ sql: String, options: QueryOptions) throws -> [Column] {
        Self.columns(try run(sql, options: options).result.resultSetMetaData?.rowType ?? [])
    }

    /// Runs one statement; each SQL API request commits on its own.
    /// - Returns: the rows it inserted, updated or deleted, as the answer's `stats` say (0 otherwise).
    public func execute(_ sql: String, readOnly: Bool, options: QueryOptions) throws -> Int {
        let result = try run(sql, options: options).result
        guard let stats = result.stats else { return 0 }
        return (stats.numRowsInserted ?? 0) + (stats.numRowsUpdated ?? 0) + (stats.numRowsDeleted ?? 0)
    }

    /// The result's columns with their value types and names as WarehouseSync reads them.
    static func columns(_ rowType: [SnowflakeSQLAPIResponse.RowType]) -> [Column] {
        rowType.map {
            Column(
                name: SnowflakeNames.resultName($0.name),
                type: SnowflakeSQLAPIValues.valueType($0.decodedType, scale: $0.scale))
        }
    }
}

@available(*, unavailable)
extension SnowflakeSQLAPIConnection: Sendable {}

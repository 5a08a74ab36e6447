import Drivers
import SyncCore

/// Reads model results through unixODBC (Snowflake, BigQuery, psqlodbc, the SQLite ODBC
/// driver, any other): read-only access mode, block cursors with column-wise bound arrays,
/// `SQLGetData` for values longer than their bound buffer, `SQLCancel` on cancellation.
public final class ODBCSource: SourceConnection {
    public let connection: ODBCConnection
    public let dialect: any SQLDialect
    /// Rows per `SQLFetchScroll`: 1024, or 1 for drivers that cannot read long values inside a block.
    public var rowsPerFetch: Int

    /// - Parameter dialect: the SQL the source speaks; nil detects it from the DBMS name the driver reports.
    public init(connection: ODBCConnection, dialect: (any SQLDialect)? = nil) {
        self.connection = connection
        self.dialect = dialect ?? Self.detect(dbmsName: connection.dbmsName)
        self.rowsPerFetch = connection.getDataInBlocks ? 1024 : 1
    }

    public convenience init(connectionString: String, dialect: (any SQLDialect)? = nil) throws {
        self.init(connection: try ODBCConnection(connectionString: connectionString), dialect: dialect)
    }

    public func describe(_ sql: String, options: QueryOptions) throws -> [Column] {
        // Drivers such as psqlodbc run a batch of statements: nothing but one statement is sent.
        try SingleStatement.require(sql)
        try setUpSession(options)
        let statement = try ODBCStatement(connection: connection)
        try statement.prepare(sql)
        return try statement.describeColumns().map { Column(name: $0.name, type: $0.valueType) }
    }

    public func stream(_ sql: String, options: QueryOptions, into receiver: inout some RowReceiver) throws -> QueryStats
    {
        let token = options.cancellation
        try SingleStatement.require(sql)
        if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled before it started") }
        try setUpSession(options)
        var watch = Stopwatch()
        let statement = try ODBCStatement(connection: connection)
        if let timeout = options.timeout { statement.setQueryTimeout(timeout) }
        statement.bindRowsByColumn(rows: rowsPerFetch)
        let cancel = ODBCCancelHandle(statement)
        return try token.whileInFlight(cancel: { cancel.send() }) {
            try fetch(sql, statement, &receiver, token, &watch)
        }
    }

    private func fetch(
        _ sql: String, _ statement: ODBCStatement, _ receiver: inout some RowReceiver,
        _ token: CancellationToken, _ watch: inout Stopwatch
    ) throws -> QueryStats {
        try statement.execute(sql, cancelled: token.isCancelled)
        let described = try statement.describeColumns()
        try receiver.columns(described.map { Column(name: $0.name, type: $0.valueType) })
        let block = try ODBCRowBlock(statement: statement, columns: described, rows: rowsPerFetch)

        var stats = QueryStats()
        stats.queryTime = watch.lap()
        var values = [Value](repeating: .null, count: described.count)
        while try statement.fetchNext(cancelled: token.isCancelled) {
            for row in 0..<block.fetched {
                for column in 0..<described.count {
                    values[column] = try block.value(row: row, column: column, bytes: &stats.bytes)
                }
                stats.rows += 1
                try receiver.row(values)
            }
        }
        stats.fetchTime = watch.lap()
        return stats
    }

    /// The dialect of a data source, from the DBMS name its driver reports; standard SQL for a DBMS
    /// WarehouseSync has no dialect for.
    public static func detect(dbmsName: String) -> any SQLDialect {
        let name = dbmsName.lowercased()
        if name.contains("redshift") { return RedshiftDialect() }
        if name.contains("postgres") { return PostgresDialect() }
        if name.contains("snowflake") { return SnowflakeDialect() }
        if name.contains("bigquery") || name.contains("google") { return BigQueryDialect() }
        if name.contains("sqlite") { return SQLiteDialect() }
        return StandardDialect()
    }

    func setUpSession(_ options: QueryOptions) throws {
        for sql in dialect.sessionSetup(tag: options.tag, timeout: options.timeout) {
            try connection.execute(sql)
        }
    }
}

@available(*, unavailable)
extension ODBCSource: Sendable {}

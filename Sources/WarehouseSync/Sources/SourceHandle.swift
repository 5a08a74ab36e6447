import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

/// An open connection to one configured source, with the SQL dialect WarehouseSync speaks to it.
public final class SourceHandle {
    public let config: SourceConfig
    public let connection: any SourceConnection
    public let dialect: Dialect

    /// Opens `config`'s warehouse, read-only.
    /// - Parameter projectDirectory: where a SQLite source's relative path starts.
    public init(config: SourceConfig, projectDirectory: URL) throws {
        self.config = config
        switch config.kind {
        case .postgres, .redshift:
            let source = try PostgresSource(
                url: config.url?.reveal() ?? "", password: config.password?.reveal(),
                mode: config.kind == .postgres ? .copy : .singleRow)
            connection = source
            dialect = config.kind == .postgres ? .postgres : .redshift
        case .snowflake, .bigquery, .odbc:
            let forced: Dialect? = config.kind == .snowflake ? .snowflake : config.kind == .bigquery ? .bigquery : nil
            let source = try ODBCSource(connectionString: config.odbc?.reveal() ?? "", dialect: forced)
            connection = source
            dialect = source.dialect
        case .sqlite:
            let path = config.path ?? ""
            let resolved = path.hasPrefix("/") ? path : projectDirectory.appendingPathComponent(path).path
            connection = try SQLiteSource(path: resolved)
            dialect = .sqlite
        }
    }

    /// Compiles a model's query on the warehouse without fetching rows and returns its columns.
    /// PostgreSQL and SQLite prepare the query itself, so an error's position points into the
    /// model's own text; other warehouses run it wrapped to return no rows.
    public func compile(_ sql: String, options: QueryOptions) throws -> [Column] {
        switch config.kind {
        case .postgres, .sqlite: return try connection.describe(sql, options: options)
        default: return try connection.describe(dialect.compileOnly(sql), options: options)
        }
    }
}

@available(*, unavailable)
extension SourceHandle: Sendable {}

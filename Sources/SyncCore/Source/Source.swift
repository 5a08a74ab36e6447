import Foundation

/// Who is asking: tagged on the warehouse session so DBAs can see which model and run a query
/// belongs to (`application_name`, `QUERY_TAG`, query labels, `query_group`).
public struct SessionTag: Sendable, Hashable {
    public var model: String
    public var runID: String

    public init(model: String, runID: String) {
        self.model = model
        self.runID = runID
    }

    /// `warehouse-sync:MODEL:RUN`, cut to 63 bytes (PostgreSQL's limit for application_name).
    public var text: String {
        let full = "warehouse-sync:\(model):\(runID)"
        return String(decoding: Array(full.utf8.prefix(63)), as: UTF8.self)
    }
}

/// How a model query runs.
public struct QueryOptions: Sendable {
    /// The statement timeout; nil leaves the warehouse's own.
    public var timeout: Duration?
    public var tag: SessionTag?
    /// Session settings applied for this query only (PostgreSQL `set_config(name, value, true)`,
    /// which reads the value as the setting spells it: a list stays a list).
    public var settings: [(name: String, value: String)]
    public var cancellation: CancellationToken

    public init(
        timeout: Duration? = nil, tag: SessionTag? = nil,
        settings: [(name: String, value: String)] = [],
        cancellation: CancellationToken = CancellationToken()
    ) {
        self.timeout = timeout
        self.tag = tag
        self.settings = settings
        self.cancellation = cancellation
    }
}

/// What a finished query cost the client: time to the first row, time to fetch the rest,
/// rows and bytes received.
public struct QueryStats: Sendable, Hashable {
    public var rows: Int = 0
    public var bytes: Int = 0
    public var queryTime: Duration = .zero
    public var fetchTime: Duration = .zero
    /// What the warehouse itself measured for the query, by measure (`execution_ms`,
    /// `shared_blks_hit`, `shared_blks_read` from PostgreSQL's `pg_stat_statements`); empty
    /// where it measured nothing readable.
    public var serverMeasures: [String: Double] = [:]
    public init() {}
}

/// Receives a result as it streams: the columns once, then each row.
///
/// The `values` array passed to `row` is reused for the next row; copy what must outlive the call.
public protocol RowReceiver {
    mutating func columns(_ columns: [Column]) throws
    mutating func row(_ values: [Value]) throws
    /// A row before decoding, from connectors that can give one (PostgreSQL COPY). The default
    /// decodes every field and calls `row(_:)`.
    mutating func row(raw: RawRow) throws
}

extension RowReceiver {
    public mutating func row(raw: RawRow) throws { try row(raw.values()) }
}

/// An open, read-only connection to a warehouse. Blocking; owned by one thread at a time.
public protocol SourceConnection: AnyObject {
    /// Runs `sql` read-only and streams its rows into `receiver`.
    /// - Throws: `ConnectorError`, or whatever `receiver` throws (the query is then abandoned).
    func stream(_ sql: String, options: QueryOptions, into receiver: inout some RowReceiver) throws -> QueryStats

    /// Compiles `sql` on the server without fetching its rows and returns its columns.
    func describe(_ sql: String, options: QueryOptions) throws -> [Column]
}

extension Duration {
    /// Whole milliseconds, rounded up, at least 1 for a positive duration; saturates at the
    /// bounds of Int64 instead of overflowing.
    public var milliseconds: Int64 {
        let (s, attos) = components
        let (ms, overflow) = s.multipliedReportingOverflow(by: 1000)
        if overflow { return s < 0 ? .min : .max }
        let (total, overflow2) = ms.addingReportingOverflow((attos + 999_999_999_999_999) / 1_000_000_000_000_000)
        return overflow2 ? .max : total
    }
}

/// A monotonic stopwatch for query and fetch times.
package struct Stopwatch {
    private let clock = ContinuousClock()
    private var start: ContinuousClock.Instant
    package init() { start = clock.now }
    package mutating func lap() -> Duration {
        let now = clock.now
        defer { start = now }
        return now - start
    }
}

/// A second session on a source that also runs WarehouseSync's own statements for a diff inside
/// the warehouse (docs/warehouse-diff.md): writing only in the scratch schema and the session's temporary tables.
public protocol ScratchSession: SourceConnection {
    /// Runs one statement in a transaction of its own (read-only where `readOnly` and the
    /// warehouse has such transactions) and commits it.
    /// - Returns: the rows it inserted or affected, where the warehouse says (0 otherwise).
    /// - Throws: `ConnectorError`.
    func execute(_ sql: String, readOnly: Bool, options: QueryOptions) throws -> Int
}

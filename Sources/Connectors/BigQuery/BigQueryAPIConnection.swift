import Drivers
import Foundation
import SyncCore

/// A BigQuery session over the REST API v2 (docs/warehouses.md): each statement is a query job; its
/// result streams page by page (getQueryResults), one page in memory at a time. A scratch connection
/// runs its jobs in one BigQuery session, so its temporary tables outlive each statement
/// (https://cloud.google.com/bigquery/docs/sessions-intro).
public final class BigQueryAPIConnection: ScratchSession {
    let client: BigQueryAPIClient
    /// Whether jobs run in a BigQuery session of this connection's own.
    private let inSession: Bool
    private var sessionID: String?
    /// The last job that streamed rows: the cost query reads its statistics.
    private var lastJobID: String?
    private let region: String

    init(client: BigQueryAPIClient, region: String, inSession: Bool = false) {
        self.client = client
        self.region = region
        self.inSession = inSession
    }

    /// Ends the connection's session, if it made one.
    deinit { if let sessionID { client.abortSession(sessionID) } }

    /// Inserts the job for `sql` and waits until it is complete; returns its id and first page.
    private func run(_ sql: String, options: QueryOptions, maxResults: Int = BigQueryAPIClient.pageRows) throws
        -> (jobID: String, job: BigQueryAPI.Job, page: BigQueryAPI.QueryResults, bytes: Int)
    {
        let started = ContinuousClock.now
        let session: BigQuerySessionUse = !inSession ? .none : sessionID.map { .join($0) } ?? .create
        let body = BigQueryJobRequest(
            sql, jobID: BigQueryAPIClient.newJobID(), context: client.context, options: options, session: session)
        let job = try client.insert(body, options: options)
        if inSession, sessionID == nil { sessionID = job.statistics?.sessionInfo?.sessionId }
        let jobID = job.jobReference?.jobId ?? body.jobReference.jobId
        let first = try client.results(
            jobID, pageToken: nil, maxResults: maxResults, statement: sql, options: options, started: started)
        return (jobID, job, first.page, first.bytes)
    }

    /// Runs `sql` and streams its rows into `receiver`, page after page; the cost query of the run
    /// (`BigQueryDialect.costQuery`) is answered from the last job's statistics (jobs.get) instead.
    /// - Throws: `ConnectorError` (BigQuery's error, `.cancelled`, `.timeout`, a lost connection), or
    ///   what `receiver` throws.
    public func stream(_ sql: String, options: QueryOptions, into receiver: inout some RowReceiver) throws -> QueryStats
    {
        if let tag = options.tag, sql == BigQueryDialect(region: region).costQuery(tag: tag) {
            return try jobStatistics(options: options, into: &receiver)
        }
        var watch = Stopwatch()
        let (jobID, _, first, bytes) = try run(sql, options: options)
        lastJobID = jobID
        let fields = first.schema?.fields ?? []
        try receiver.columns(Self.columns(fields))
        var stats = QueryStats()
        stats.bytes = bytes
        stats.queryTime = watch.lap()
        var values = [Value](repeating: .null, count: fields.count)
        func emit(_ rows: [BigQueryAPI.Row]) throws {
            for row in rows {
                for (index, field) in fields.enumerated() {
                    values[index] = index < row.f.count ? BigQueryAPIValues.value(row.f[index].v, field: field) : .null
                }
                stats.rows += 1
                try receiver.row(values)
            }
        }
        try emit(first.rows ?? [])
        var token = first.pageToken
        var previous: String?
        var pageWasEmpty = (first.rows ?? []).isEmpty
        // A page without rows whose token did not move would be asked for forever (an emulator answers
        // maxResults=0 with pageToken "0"): the result ends there.
        while let next = token, !(pageWasEmpty && next == previous) {
            if options.cancellation.isCancelled {
                client.cancel(jobID)
                throw ConnectorError(.cancelled, "the query was cancelled")
            }
            let page = try client.results(jobID, pageToken: next, statement: sql, options: options)
            stats.bytes += page.bytes
            try emit(page.page.rows ?? [])
            pageWasEmpty = (page.page.rows ?? []).isEmpty
            previous = next
            token = page.page.pageToken
        }
        stats.fetchTime = watch.lap()
        return stats
    }

    /// The columns of `sql` from a dry run (`configuration.dryRun`: BigQuery compiles the query and
    /// returns its schema without running it or billing bytes).
    /// - Throws: `ConnectorError`, positioned in `sql` where BigQuery names a line and column.
    public func describe(_ sql: String, options: QueryOptions) throws -> [Column] {
        Self.columns(try dryRun(sql, options: options).statistics?.query?.schema?.fields ?? [])
    }

    /// The dry-run job of `sql`: its schema, bytes estimate and referenced tables.
    /// - Throws: `ConnectorError`.
    func dryRun(_ sql: String, options: QueryOptions) throws -> BigQueryAPI.Job {
        let body = BigQueryJobRequest(
            sql, jobID: BigQueryAPIClient.newJobID(), context: client.context, options: options, dryRun: true,
            session: sessionID.map { .join($0) } ?? .none)
        return try client.insert(body, options: options)
    }

    /// Runs one statement as a job (in this connection's session, where it has one).
    /// - Returns: the rows a DML statement affected (`numDmlAffectedRows`), 0 otherwise.
    /// - Throws: `ConnectorError`.
    public func execute(_ sql: String, readOnly: Bool, options: QueryOptions) throws -> Int {
        let (_, job, page, _) = try run(sql, options: options, maxResults: 1)
        let affected = page.numDmlAffectedRows ?? job.statistics?.query?.numDmlAffectedRows
        return affected.flatMap { Int($0) } ?? 0
    }

    /// One row of the last job's `total_bytes_billed` and `total_slot_ms` (null where BigQuery gave none).
    private func jobStatistics(options: QueryOptions, into receiver: inout some RowReceiver) throws -> QueryStats {
        try receiver.columns([
            Column(name: "total_bytes_billed", type: .int), Column(name: "total_slot_ms", type: .int),
        ])
        guard let lastJobID else { return QueryStats() }
        let statistics = try client.job(lastJobID, options: options).statistics
        let billed = statistics?.query?.totalBytesBilled.flatMap { Int64($0) }
        let slots = (statistics?.totalSlotMs ?? statistics?.query?.totalSlotMs).flatMap { Int64($0) }
        try receiver.row([billed.map(Value.int) ?? .null, slots.map(Value.int) ?? .null])
        var stats = QueryStats()
        stats.rows = 1
        return stats
    }

    /// The result's columns with their value types.
    static func columns(_ fields: [BigQueryAPI.Field]) -> [Column] {
        fields.map { Column(name: $0.name, type: BigQueryAPIValues.valueType($0)) }
    }
}

@available(*, unavailable)
extension BigQueryAPIConnection: Sendable {}

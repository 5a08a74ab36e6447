import Drivers
import Foundation
import SyncCore

/// Runs queries through BigQuery's REST API v2 (https://cloud.google.com/bigquery/docs/reference/rest/v2):
/// jobs.insert with a job id made here (a re-send after a 429, a 5xx or a lost answer that BigQuery
/// answers 409 names the job already made, which is then read with jobs.get), getQueryResults page
/// after page (`useInt64Timestamp`; polled while `jobComplete` is false), jobs.cancel when the query's
/// `CancellationToken` fires or its timeout passes, jobs.get for a job's statistics and tables.get for
/// a table's `lastModifiedTime`. Blocking; safe to share between threads.
final class BigQueryAPIClient: Sendable {
    let base: URL
    let auth: BigQueryAPIAuth
    let context: BigQueryContext
    private let http = HTTPClient()
    private let retry = HTTPRetry()
    /// Rows asked for per page; BigQuery also caps a page at about 10 MB.
    static let pageRows = 20_000
    /// How long getQueryResults may wait for the job before answering `jobComplete: false`.
    static let waitMs = 10_000
    /// How long any request may take.
    static let requestTimeout: Duration = .seconds(120)
    /// How long a cancel may take: it is sent once the caller has already given up.
    static let cancelTimeout: Duration = .seconds(15)

    init(base: URL, auth: BigQueryAPIAuth, context: BigQueryContext) {
        self.base = base
        self.auth = auth
        self.context = context
    }

    private var projectPath: String { "bigquery/v2/projects/\(context.project)" }

    /// Inserts the job `body` and returns it as BigQuery answered (or, after a 409, as jobs.get reads it).
    /// - Throws: `ConnectorError`: the job's own error (`status.errorResult`), a refused request,
    ///   `.cancelled` (after sending jobs.cancel), or a transport failure.
    func insert(_ body: BigQueryJobRequest, options: QueryOptions) throws -> BigQueryAPI.Job {
        let token = options.cancellation
        if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled before it started") }
        let jobID = body.jobReference.jobId
        let deadline = options.httpDeadline(startedAt: .now)
        var response: HTTPClientResponse
        do {
            let request = try HTTPClientRequest.postJSON(
                url("\(projectPath)/jobs"), json: body, headers: try headers(token), timeout: Self.requestTimeout)
            response = try retry.send(request, with: http, cancellation: token, deadline: deadline)
        } catch let error as HTTPClientError {
            // Given up on while the job may run: its id is ours, so it can be cancelled.
            if error.code == .cancelled || error.code == .timedOut { cancel(jobID) }
            throw BigQueryAPIError.from(error, what: "jobs.insert")
        }
        if response.status == 409 {
            response = try get("\(projectPath)/jobs/\(jobID)", query: locationQuery, options: options, what: "jobs.get")
        }
        guard response.status == 200, let job = BigQueryAPI.decode(BigQueryAPI.Job.self, response.body) else {
            throw BigQueryAPIError.from(
                status: response.status, body: response.body, what: "jobs.insert",
                statement: body.configuration.query.query)
        }
        if let failure = job.status?.errorResult {
            throw BigQueryAPIError.from(
                failure, status: response.status, what: "the job", statement: body.configuration.query.query)
        }
        return job
    }

    /// One page of job `jobID`'s result, polled until the job is complete: `maxResults` rows from
    /// `pageToken` (nil: the first page).
    /// - Throws: `ConnectorError`: the job's error (also at HTTP 200, in `errors`), `.timeout` after
    ///   cancelling a job that ran past `options.timeout`, `.cancelled` after cancelling it.
    func results(
        _ jobID: String, pageToken: String?, maxResults: Int = pageRows, statement: String, options: QueryOptions,
        started: ContinuousClock.Instant = .now
    ) throws -> (page: BigQueryAPI.QueryResults, bytes: Int) {
        var query = [
            ("maxResults", String(maxResults)), ("formatOptions.useInt64Timestamp", "true"),
            ("timeoutMs", String(Self.waitMs)),
        ]
        if let pageToken { query.append(("pageToken", pageToken)) }
        query += locationQuery
        while true {
            let response: HTTPClientResponse
            do {
                response = try get(
                    "\(projectPath)/queries/\(jobID)", query: query, options: options, what: "getQueryResults",
                    deadline: options.httpDeadline(startedAt: started))
            } catch let error as ConnectorError where error.code == .cancelled || error.code == .timeout {
                cancel(jobID)
                throw error
            }
            guard response.status == 200, let page = BigQueryAPI.decode(BigQueryAPI.QueryResults.self, response.body)
            else {
                throw BigQueryAPIError.from(
                    status: response.status, body: response.body, what: "getQueryResults", statement: statement)
            }
            if let first = page.errors?.first {
                throw BigQueryAPIError.from(first, status: response.status, what: "the job", statement: statement)
            }
            if page.jobComplete != false { return (page, response.body.count) }
            if let timeout = options.timeout, ContinuousClock.now - started > timeout + .seconds(5) {
                cancel(jobID)
                throw ConnectorError(.timeout, "the job ran past its timeout of \(timeout) and was cancelled")
            }
            do {
                // BigQuery waits up to timeoutMs itself; a peer that answers at once is not asked in a tight loop.
                try HTTPRetry.pause(.milliseconds(200), cancellation: options.cancellation)
            } catch {
                cancel(jobID)
                throw ConnectorError(.cancelled, "the query was cancelled")
            }
        }
    }

    /// Job `jobID` as jobs.get reads it (its statistics once done).
    /// - Throws: `ConnectorError`.
    func job(_ jobID: String, options: QueryOptions) throws -> BigQueryAPI.Job {
        let response = try get("\(projectPath)/jobs/\(jobID)", query: locationQuery, options: options, what: "jobs.get")
        guard response.status == 200, let job = BigQueryAPI.decode(BigQueryAPI.Job.self, response.body) else {
            throw BigQueryAPIError.from(status: response.status, body: response.body, what: "jobs.get")
        }
        return job
    }

    /// Table `table` of `dataset` in `project` as tables.get reads it.
    /// - Throws: `ConnectorError` (`notFound` for a missing table).
    func table(project: String, dataset: String, table: String, options: QueryOptions) throws -> BigQueryAPI.Table {
        let response = try get(
            "bigquery/v2/projects/\(project)/datasets/\(dataset)/tables/\(table)", query: [], options: options,
            what: "tables.get")
        guard response.status == 200, let answer = BigQueryAPI.decode(BigQueryAPI.Table.self, response.body) else {
            throw BigQueryAPIError.from(status: response.status, body: response.body, what: "tables.get")
        }
        return answer
    }

    /// Asks BigQuery to cancel job `jobID`; what it answers is not waited for beyond `cancelTimeout`.
    func cancel(_ jobID: String) {
        guard let headers = try? headers(nil),
            let request = try? HTTPClientRequest.postJSON(
                url("\(projectPath)/jobs/\(jobID)/cancel", query: locationQuery), json: [String: String](),
                headers: headers, timeout: Self.cancelTimeout)
        else { return }
        _ = try? http.send(request)
    }

    /// Ends session `sessionID` (`CALL BQ.ABORT_SESSION()`,
    /// https://cloud.google.com/bigquery/docs/sessions-terminating), which drops its temporary tables at once
    /// instead of a day later; sent once, its answer not waited for beyond `cancelTimeout`.
    func abortSession(_ sessionID: String) {
        let body = BigQueryJobRequest(
            "CALL BQ.ABORT_SESSION()", jobID: Self.newJobID(), context: context, options: QueryOptions(),
            session: .join(sessionID))
        guard let headers = try? headers(nil),
            let request = try? HTTPClientRequest.postJSON(
                url("\(projectPath)/jobs"), json: body, headers: headers, timeout: Self.cancelTimeout)
        else { return }
        _ = try? http.send(request)
    }

    private var locationQuery: [(String, String)] { context.location.map { [("location", $0)] } ?? [] }

    private func get(
        _ path: String, query: [(String, String)], options: QueryOptions, what: String,
        deadline: ContinuousClock.Instant? = nil
    ) throws -> HTTPClientResponse {
        do {
            return try retry.send(
                HTTPClientRequest(
                    url: url(path, query: query),
                    headers: [("Accept", "application/json")] + (try headers(options.cancellation)),
                    timeout: Self.requestTimeout),
                with: http, cancellation: options.cancellation, deadline: deadline)
        } catch let error as HTTPClientError {
            throw BigQueryAPIError.from(error, what: what)
        }
    }

    private func headers(_ token: CancellationToken?) throws -> [(String, String)] {
        try auth.headers(cancellation: token)
    }

    private func url(_ path: String, query: [(String, String)] = []) -> URL {
        HTTPClientRequest.url(base, path: path, query: query)
    }

    /// A new job id: `warehouse_sync_` and 32 hex digits (letters, digits, `_` and `-` are allowed).
    static func newJobID() -> String {
        "warehouse_sync_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}

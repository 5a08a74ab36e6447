import Drivers
import Foundation
import SyncCore

/// Runs statements through Snowflake's SQL API v2 (https://docs.snowflake.com/en/developer-guide/sql-api/reference):
/// `POST /api/v2/statements` (a 200 result, or a 202 polled at its `statementStatusUrl` until done),
/// `GET /api/v2/statements/{handle}?partition=N` for each later partition, and
/// `POST /api/v2/statements/{handle}/cancel` when the query's `CancellationToken` fires or its timeout
/// passes. 429 and 5xx answers are sent again (`HTTPRetry`). Blocking; safe to share between threads.
final class SnowflakeSQLAPIClient: Sendable {
    let base: URL
    let auth: SnowflakeSQLAPIAuth
    let context: SnowflakeSQLAPIContext
    private let http = HTTPClient()
    private let retry = HTTPRetry()
    /// How long a status or partition request may take.
    static let requestTimeout: Duration = .seconds(120)
    /// How long a cancel may take: it is sent once the caller has already given up.
    static let cancelTimeout: Duration = .seconds(15)

    init(base: URL, auth: SnowflakeSQLAPIAuth, context: SnowflakeSQLAPIContext) {
        self.base = base
        self.auth = auth
        self.context = context
    }

    /// Runs `sql` to its end and returns the answer with its first partition, and the bytes of its body.
    /// - Throws: `ConnectorError`: the statement's error, `.cancelled` (after sending the cancel),
    ///   `.timeout`, or a transport failure.
    func run(_ sql: String, options: QueryOptions) throws -> (result: SnowflakeSQLAPIResponse, bytes: Int) {
        let token = options.cancellation
        if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled before it started") }
        let body = SnowflakeSQLAPIStatement(sql, options: options, context: context)
        let requestID = UUID().uuidString.lowercased()
        let started = ContinuousClock.now
        // Snowflake answers within 45 s (202 when still running); an emulator may hold the request to the end.
        let wait = (options.timeout ?? .seconds(3600)) + .seconds(60)
        let deadline = options.httpDeadline(startedAt: started)
        var response: HTTPClientResponse
        do {
            let request = try HTTPClientRequest.postJSON(
                url("api/v2/statements", query: [("requestId", requestID)]), json: body, headers: try auth.headers(),
                timeout: wait)
            // A re-send carries retry=true: Snowflake then answers for the statement it may already run
            // instead of running it twice.
            response = try retry.send(with: http, cancellation: token, deadline: deadline) { attempt in
                var again = request
                if attempt > 1 {
                    again.url = url("api/v2/statements", query: [("requestId", requestID), ("retry", "true")])
                }
                return again
            }
        } catch let error as HTTPClientError {
            // Given up on while the statement may run: find it by its request id and cancel it.
            if error.code == .cancelled || error.code == .timedOut { cancel(requestID: requestID, body: body) }
            throw SnowflakeSQLAPIError.from(error, what: "the statement")
        }
        var delay = Duration.milliseconds(200)
        while response.status == 202 {
            let status = SnowflakeSQLAPIResponse.decode(response.body)
            guard let handle = status?.statementHandle else {
                throw ConnectorError(.protocolViolation, "Snowflake answered 202 without a statementHandle")
            }
            if let timeout = options.timeout, ContinuousClock.now - started > timeout + .seconds(5) {
                cancel(handle: handle)
                throw ConnectorError(.timeout, "the statement ran past its timeout of \(timeout) and was cancelled")
            }
            do {
                try HTTPRetry.pause(delay, cancellation: token)
                response = try retry.send(
                    HTTPClientRequest(
                        url: url("api/v2/statements/\(handle)"), headers: try accept(), timeout: Self.requestTimeout),
                    with: http, cancellation: token, deadline: deadline)
            } catch let error as HTTPClientError {
                if error.code == .cancelled || error.code == .timedOut { cancel(handle: handle) }
                throw SnowflakeSQLAPIError.from(error, what: "the statement's status")
            }
            delay = min(delay * 2, .seconds(2))
        }
        guard response.status == 200, let result = SnowflakeSQLAPIResponse.decode(response.body) else {
            throw SnowflakeSQLAPIError.from(
                status: response.status, body: response.body, what: "the statement", statement: sql)
        }
        return (result, response.body.count)
    }

    /// The rows of partition `index` (1 or later) of the finished statement `handle`, and the bytes received.
    /// - Throws: `ConnectorError`.
    func partition(_ handle: String, _ index: Int, options: QueryOptions) throws -> (rows: [[String?]], bytes: Int) {
        let response: HTTPClientResponse
        do {
            response = try retry.send(
                HTTPClientRequest(
                    url: url("api/v2/statements/\(handle)", query: [("partition", String(index))]),
                    headers: try accept(), timeout: Self.requestTimeout),
                with: http, cancellation: options.cancellation)
        } catch let error as HTTPClientError {
            throw SnowflakeSQLAPIError.from(error, what: "partition \(index)")
        }
        guard response.status == 200, let page = SnowflakeSQLAPIResponse.decode(response.body) else {
            throw SnowflakeSQLAPIError.from(status: response.status, body: response.body, what: "partition \(index)")
        }
        return (page.data ?? [], response.body.count)
    }

    /// Asks Snowflake to cancel statement `handle`; what it answers is not waited for beyond `cancelTimeout`.
    func cancel(handle: String) {
        guard let headers = try? accept(),
            let request = try? HTTPClientRequest.postJSON(
                url("api/v2/statements/\(handle)/cancel"), json: [String: String](), headers: headers,
                timeout: Self.cancelTimeout)
        else { return }
        _ = try? http.send(request)
    }

    /// Cancels the statement submitted with `requestID` whose handle never came back (the caller gave up
    /// while the submit was in flight): the same request sent again with `retry=true` is not run again but
    /// answers with the statement's handle (`async=true`: at once), which is then cancelled.
    func cancel(requestID: String, body: SnowflakeSQLAPIStatement) {
        guard let headers = try? accept(),
            let request = try? HTTPClientRequest.postJSON(
                url("api/v2/statements", query: [("requestId", requestID), ("retry", "true"), ("async", "true")]),
                json: body, headers: headers, timeout: Self.cancelTimeout),
            let answer = try? http.send(request),
            let handle = SnowflakeSQLAPIResponse.decode(answer.body)?.statementHandle
        else { return }
        cancel(handle: handle)
    }

    private func accept() throws -> [(String, String)] { [("Accept", "application/json")] + (try auth.headers()) }

    private func url(_ path: String, query: [(String, String)] = []) -> URL {
        HTTPClientRequest.url(base, path: path, query: query)
    }
}

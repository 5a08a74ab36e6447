import Foundation
import SyncCore

/// Sends a request again after a 429, a 5xx or a transient transport failure: exponential backoff
/// from `base`, doubling, with jitter, a `Retry-After` the server sent winning when later, each wait
/// at most `maxDelay`, at most `attempts` sends in all. Waits end early when `cancellation` fires.
public struct HTTPRetry: Sendable {
    /// Sends in all, the first included; at least 1.
    public var attempts: Int
    /// The first wait; each later one doubles it (±20% jitter).
    public var base: Duration
    /// The longest single wait, also for a longer `Retry-After`.
    public var maxDelay: Duration

    /// A policy of at most `attempts` sends (at least 1), waits from `base` up to `maxDelay`.
    public init(attempts: Int = 5, base: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30)) {
        self.attempts = max(1, attempts)
        self.base = base
        self.maxDelay = maxDelay
    }

    /// Whether an answer with `status` is worth sending again: 429 (too many requests) and 5xx.
    public static func isRetryable(status: Int) -> Bool { status == 429 || (500..<600).contains(status) }

    /// The wait before send number `attempt + 1` after `attempt` sends failed; nil when no more are
    /// allowed. Pure: `jitter` in 0..<1 (random in production).
    public func delay(after attempt: Int, retryAfter: String?, now: Date = Date(), jitter: Double) -> Duration? {
        guard attempt < attempts else { return nil }
        let seconds = RetryPolicy.delay(
            failures: attempt, retryAfter: RetryPolicy.retryAfter(retryAfter, now: now), jitter: jitter,
            base: Double(base.milliseconds) / 1000)
        return .milliseconds(min(Int64(seconds * 1000), maxDelay.milliseconds))
    }

    /// Sends `request` with `client` until an answer that is neither 429 nor 5xx, or the attempts run
    /// out (the last answer is then returned, for the caller to read its error).
    /// - Throws: `HTTPClientError` from the last send, or `.cancelled` when `cancellation` fires.
    public func send(
        _ request: HTTPClientRequest, with client: HTTPClient, cancellation: CancellationToken? = nil,
        deadline: ContinuousClock.Instant? = nil
    ) throws(HTTPClientError) -> HTTPClientResponse {
        try send(with: client, cancellation: cancellation, deadline: deadline) { _ in request }
    }

    /// Like `send(_:with:cancellation:)`, with the request of each send made by `request` from its
    /// number (1 for the first): an API that deduplicates re-sends is told which ones are (Snowflake's
    /// `retry=true`). With a `deadline` (the query's timeout), no send waits past it and none starts
    /// after it: a server that accepts and never answers costs the timeout, not every attempt's.
    /// - Throws: `HTTPClientError` from the last send, `.timedOut` at the deadline, or `.cancelled`
    ///   when `cancellation` fires.
    public func send(
        with client: HTTPClient, cancellation: CancellationToken? = nil, deadline: ContinuousClock.Instant? = nil,
        request: (_ attempt: Int) -> HTTPClientRequest
    ) throws(HTTPClientError) -> HTTPClientResponse {
        var attempt = 0
        while true {
            attempt += 1
            var next = request(attempt)
            if let deadline {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { throw HTTPClientError(.timedOut, "no answer before the query's timeout") }
                next.timeout = min(next.timeout, left)
            }
            do throws(HTTPClientError) {
                let response = try client.send(next, cancellation: cancellation)
                guard Self.isRetryable(status: response.status) else { return response }
                guard
                    let wait = delay(
                        after: attempt, retryAfter: response.header("Retry-After"), jitter: .random(in: 0..<1))
                else { return response }
                try Self.pause(wait, cancellation: cancellation)
            } catch  where error.isTransient {
                guard let wait = delay(after: attempt, retryAfter: nil, jitter: .random(in: 0..<1)) else { throw error }
                try Self.pause(wait, cancellation: cancellation)
            }
        }
    }

    /// Waits `duration` in short steps, ending early with `.cancelled` when `cancellation` fires.
    public static func pause(_ duration: Duration, cancellation: CancellationToken?) throws(HTTPClientError) {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            if cancellation?.isCancelled == true { throw HTTPClientError(.cancelled, "the request was cancelled") }
            Thread.sleep(forTimeInterval: min(0.05, Double((deadline - ContinuousClock.now).milliseconds) / 1000))
        }
    }
}

import Drivers
import Foundation
import Stores
import SyncCore

/// What one delivery pass did for a destination.
public struct DeliveryReport: Sendable, Equatable {
    public var destination: String
    /// Changes the destination accepted (2xx).
    public var delivered = 0
    /// Changes that became dead letters (rejected with a 4xx).
    public var dead = 0
    /// Requests that failed and will be retried.
    public var failedRequests = 0
    public var requests = 0
    /// When the pass stopped because the destination is backing off: until when.
    public var backingOffUntil: Date?
    /// The last retryable failure, secrets removed.
    public var lastError: String?

    public init(destination: String) { self.destination = destination }
}

/// Drains one destination's outbox on the calling thread (docs/destinations.md): batches of each key's earliest
/// change, a token bucket, retries with jittered backoff that honour `Retry-After` (kept in the
/// store, so a new process honours them), and batches split on a 4xx until the rejected changes are
/// found and dead-lettered. A change leaves the outbox only after a 2xx.
final class Deliverer {
    private let destination: DestinationConfig
    private let store: any Store
    private let http: HTTPClient
    private var bucket: TokenBucket
    private let redact: (String) -> String
    private let now: () -> Date
    private let sleep: (TimeInterval) -> Void
    private let jitter: () -> Double
    private var report: DeliveryReport

    init(
        _ destination: DestinationConfig, store: any Store, http: HTTPClient, redact: @escaping (String) -> String,
        now: @escaping () -> Date = { Date() },
        sleep: @escaping (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) },
        jitter: @escaping () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.destination = destination
        self.store = store
        self.http = http
        bucket = TokenBucket(ratePerSecond: destination.maxRequestsPerSecond)
        self.redact = redact
        self.now = now
        self.sleep = sleep
        self.jitter = jitter
        report = DeliveryReport(destination: destination.name)
    }

    /// Sends until the outbox is empty, the destination backs off past `deadline`, or `deadline`
    /// passes (`stop` ends it early, between requests).
    /// - Throws: `StoreError` when the store fails (nothing is lost: the outbox is unchanged).
    func run(until deadline: Date, stop: () -> Bool = { false }) throws -> DeliveryReport {
        while !stop() {
            let state = try store.deliveryState(destination: destination.name)
            if let next = state.nextAttemptAt, next > now() {
                guard next < deadline else {
                    report.backingOffUntil = next
                    report.lastError = state.lastError
                    break
                }
                sleep(next.timeIntervalSince(now()))
            }
            guard now() < deadline else { break }
            let items = try store.pendingDeliveries(destination: destination.name, limit: destination.batchSize)
            if items.isEmpty { break }
            let cut = DeliveryBatches(destination, items)
            for (item, reason) in cut.tooLarge {
                try store.recordDead(item, status: nil, response: redact(reason))
                report.dead += 1
            }
            for batch in cut.batches where try !send(batch, failures: state.failures, deadline: deadline, stop: stop) {
                break
            }
        }
        return report
    }

    /// Sends one batch; false when it failed in a way that is retried later (the backoff is recorded),
    /// or when `deadline` passed or `stop` said so before it was sent (it stays queued).
    private func send(_ items: [OutboxItem], failures: Int, deadline: Date, stop: () -> Bool) throws -> Bool {
        guard now() < deadline, !stop() else { return false }
        let wait = bucket.take(now: now())
        if wait > 0 { sleep(wait) }
        let request = DeliveryRequest(destination, items)
        report.requests += 1
        let outcome = http.post(request.url, headers: request.headers, body: request.body, timeout: destination.timeout)
        let verdict: DeliveryVerdict
        var status: Int?
        var body = Data()
        var error: String
        switch outcome {
        case .response(let code, let retryAfter, let data):
            status = code
            body = data
            verdict = DeliveryVerdict(status: code, retryAfter: RetryPolicy.retryAfter(retryAfter, now: now()))
            error =
                (300..<400).contains(code)
                ? "HTTP \(code), a redirect (not followed): fix the destination's url" : "HTTP \(code)"
        case .failure(let reason):
            verdict = DeliveryVerdict(status: nil, retryAfter: nil)
            error = reason
        }
        switch verdict {
        case .delivered:
            try store.recordDelivered(items, destination: destination.name)
            report.delivered += items.count
            return true
        case .retry(let retryAfter):
            let delay = RetryPolicy.delay(
                failures: failures + 1, retryAfter: retryAfter, jitter: jitter(),
                base: Double(destination.retryBackoff.components.seconds))
            error = redact("\(error) from \(destination.url.host ?? "the destination")")
            try store.recordRetry(
                items, destination: destination.name,
                state: DeliveryState(
                    failures: failures + 1, nextAttemptAt: now().addingTimeInterval(delay), lastError: error))
            report.failedRequests += 1
            report.lastError = error
            return false
        case .rejected:
            guard items.count > 1 else {
                let text = redact(String(decoding: body.prefix(1024), as: UTF8.self))
                try store.recordDead(items[0], status: status, response: text)
                report.dead += 1
                return true
            }
            // Halves until the rejected changes are alone; the others are delivered.
            let half = items.count / 2
            for part in [Array(items[..<half]), Array(items[half...])]
            where try !send(part, failures: failures, deadline: deadline, stop: stop) {
                return false
            }
            return true
        }
    }
}

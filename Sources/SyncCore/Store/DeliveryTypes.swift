import Foundation

/// One change waiting in the outbox for one destination: the set and unset traits of one
/// profile from one run (docs/destinations.md).
public struct OutboxItem: Sendable, Equatable {
    public var destination: String
    /// The run's sequence number: a key's changes are delivered in this order.
    public var runSeq: Int64
    public var key: String
    public var run: String
    public var model: String
    /// The traits set, `{TRAIT: VALUE...}`, values as canonical JSON.
    public var setJSON: String
    /// The traits unset, `[TRAIT...]`.
    public var unsetJSON: String
    public var enqueuedAt: Date
    /// Failed attempts so far.
    public var attempts: Int

    public init(
        destination: String, runSeq: Int64, key: String, run: String, model: String, setJSON: String,
        unsetJSON: String, enqueuedAt: Date, attempts: Int
    ) {
        self.destination = destination
        self.runSeq = runSeq
        self.key = key
        self.run = run
        self.model = model
        self.setJSON = setJSON
        self.unsetJSON = unsetJSON
        self.enqueuedAt = enqueuedAt
        self.attempts = attempts
    }

    /// The same on every retry, in every process: run id, key and destination.
    public var idempotencyKey: String { "\(run):\(key):\(destination)" }
}

/// A destination's backoff, as the store keeps it so that a new process honours it.
public struct DeliveryState: Sendable, Equatable {
    /// Failed requests in a row.
    public var failures: Int
    /// No request before this instant (backoff, `Retry-After`); nil when there is none.
    public var nextAttemptAt: Date?
    public var lastError: String?

    public init(failures: Int = 0, nextAttemptAt: Date? = nil, lastError: String? = nil) {
        self.failures = failures
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }
}

/// A change the destination rejected (4xx other than 408 and 429), kept until retried or dropped.
public struct DeadLetter: Sendable, Equatable {
    public var key: String
    public var model: String
    public var run: String
    public var status: Int?
    /// The response body's first 1 KB.
    public var response: String?

    public init(key: String, model: String, run: String, status: Int?, response: String?) {
        self.key = key
        self.model = model
        self.run = run
        self.status = status
        self.response = response
    }
}

/// What `deliveries` shows of one destination.
public struct DestinationStats: Sendable, Equatable {
    public var destination: String
    public var pending: Int
    public var delivered: Int
    /// Pending changes that failed at least once.
    public var retrying: Int
    public var dead: Int
    public var oldestPendingAt: Date?
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var deadLetters: [DeadLetter]

    public init(
        destination: String, pending: Int = 0, delivered: Int = 0, retrying: Int = 0, dead: Int = 0,
        oldestPendingAt: Date? = nil, nextAttemptAt: Date? = nil, lastError: String? = nil,
        deadLetters: [DeadLetter] = []
    ) {
        self.destination = destination
        self.pending = pending
        self.delivered = delivered
        self.retrying = retrying
        self.dead = dead
        self.oldestPendingAt = oldestPendingAt
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.deadLetters = deadLetters
    }
}

/// The outbox and delivery state, as the store keeps them (docs/destinations.md). Each call is one transaction.
public protocol DeliveryStore: AnyObject {
    /// Up to `limit` changes to send to `destination`: for each key only its earliest queued change
    /// (a later run's change waits, also behind a dead one), in key order (the outbox's primary key,
    /// so a commit writes one index entry a change; order matters per key only).
    func pendingDeliveries(destination: String, limit: Int) throws -> [OutboxItem]
    func deliveryState(destination: String) throws -> DeliveryState
    /// The destination answered 2xx: the changes leave the outbox and its backoff ends.
    func recordDelivered(_ items: [OutboxItem], destination: String) throws
    /// A retryable failure: each change's attempts grow and the destination waits until `nextAttemptAt`.
    func recordRetry(_ items: [OutboxItem], destination: String, state: DeliveryState) throws
    /// The destination rejected this change: it becomes a dead letter with the response.
    func recordDead(_ item: OutboxItem, status: Int?, response: String) throws
    /// Per destination (each that has queued, delivered or dead changes, and each of `names`).
    func deliveryStats(names: [String], deadLetterLimit: Int) throws -> [DestinationStats]
    /// Dead letters become pending again (`deliver --retry-dead`); how many.
    @discardableResult func retryDead(destination: String?) throws -> Int
    /// Dead letters are deleted (`deliver --drop-dead`); how many.
    @discardableResult func dropDead(destination: String?) throws -> Int
}

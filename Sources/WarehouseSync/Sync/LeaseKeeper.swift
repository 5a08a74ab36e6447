import Foundation

/// Holds a model's run lease in the store and renews it from a thread of its own (on a
/// connection of its own) until stopped, so a long run keeps it and a crashed one loses it.
final class LeaseKeeper: @unchecked Sendable {
    static let ttl: Duration = .seconds(120)
    static let renewEvery: TimeInterval = 30

    private let model: String
    private let holder: String
    private let location: StoreLocation
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Takes the lease; nil if another live run holds it.
    static func acquire(model: String, holder: String, location: StoreLocation, now: Date) throws -> LeaseKeeper? {
        let store = try location.open()
        guard try store.acquireLease(model: model, holder: holder, ttl: ttl, now: now) else { return nil }
        let keeper = LeaseKeeper(model: model, holder: holder, location: location)
        Thread { keeper.renewUntilStopped() }.start()
        return keeper
    }

    private init(model: String, holder: String, location: StoreLocation) {
        self.model = model
        self.holder = holder
        self.location = location
    }

    private func renewUntilStopped() {
        defer { finished.signal() }
        guard let store = try? location.open() else { return }
        while stopped.wait(timeout: .now() + Self.renewEvery) == .timedOut {
            try? store.renewLease(model: model, holder: holder, ttl: Self.ttl, now: Date())
        }
        try? store.releaseLease(model: model, holder: holder)
    }

    /// Stops renewing and releases the lease.
    func release() {
        stopped.signal()
        finished.wait()
    }
}

import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

/// Holds a model's run lease in the store and renews it from a thread of its own (on a
/// connection of its own) until stopped, so a long run keeps it and a crashed one loses it.
/// Unchecked: every property is immutable; the store connection, which is not thread-safe, is used
/// only by the renew thread once `acquire` returns.
public final class LeaseKeeper: @unchecked Sendable {
    static let ttl: Duration = .seconds(120)
    static let renewEvery: TimeInterval = 30

    private let model: String
    let holder: String
    /// The connection that took the lease; after `acquire` only the renew thread uses it.
    private let store: any Store
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Takes the lease; nil if another live run holds it (with `wait`, polls on the same
    /// connection until it is free or `cancelled` says stop). A lease left by a process of this
    /// host that no longer exists (killed, crashed) is taken over at once.
    static func acquire(
        model: String, holder: String, location: StoreLocation, wait: Bool = false,
        cancelled: () -> Bool = { false }, now: () -> Date
    ) throws -> LeaseKeeper? {
        let store = try location.open()
        while try !take(store, model: model, holder: holder, now: now()) {
            guard wait && !cancelled() else { return nil }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let keeper = LeaseKeeper(model: model, holder: holder, store: store)
        Thread { keeper.renewUntilStopped() }.start()
        return keeper
    }

    private static func take(_ store: any Store, model: String, holder: String, now: Date) throws -> Bool {
        if try store.acquireLease(model: model, holder: holder, ttl: ttl, now: now) { return true }
        guard let stale = try store.leaseHolder(model: model), isDeadLocalProcess(holder: stale) else { return false }
        try store.releaseLease(model: model, holder: stale)
        return try store.acquireLease(model: model, holder: holder, ttl: ttl, now: now)
    }

    /// The holder text for this process: `host:pid:run`.
    static func holder(runID: String) -> String {
        "\(ProcessInfo.processInfo.hostName):\(getpid()):\(runID)"
    }

    /// Whether `holder` names a process of this host that is gone.
    public static func isDeadLocalProcess(holder: String) -> Bool {
        let parts = holder.split(separator: ":")
        guard parts.count >= 3, String(parts[0]) == ProcessInfo.processInfo.hostName, let pid = pid_t(parts[1]) else {
            return false
        }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    private init(model: String, holder: String, store: any Store) {
        self.model = model
        self.holder = holder
        self.store = store
    }

    private func renewUntilStopped() {
        defer { finished.signal() }
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

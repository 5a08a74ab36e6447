import Foundation
import Stores
import SyncCore
import Synchronization

/// Read-only store connections for the HTTP API's threads: each request borrows one (opening it
/// when none is idle) and gives it back; at most `idleLimit` stay open.
final class StorePool: Sendable {
    /// A store checked out to one thread at a time: the pool's lock hands it over.
    private struct Idle: @unchecked Sendable {
        let store: any Store
    }

    private let location: StoreLocation
    private let idle = Mutex<[Idle]>([])
    private let idleLimit: Int

    init(location: StoreLocation, idleLimit: Int = 4) {
        self.location = location
        self.idleLimit = idleLimit
    }

    /// Runs `body` with a store of its own; a store whose use threw is closed, not reused.
    /// - Throws: what opening the store or `body` throws.
    func with<T>(_ body: (any Store) throws -> T) throws -> T {
        let store = try idle.withLock { $0.popLast() }?.store ?? location.open(readingOnly: true)
        let result = try body(store)
        idle.withLock { if $0.count < idleLimit { $0.append(Idle(store: store)) } }
        return result
    }
}

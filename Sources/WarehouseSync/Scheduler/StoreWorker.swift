import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import Synchronization

/// Owns one store connection and runs every use of it, opening included, on one serial queue,
/// off Swift's cooperative pool. The connection is touched only by jobs on that queue, inside
/// the mutex that holds it.
final class StoreWorker: Sendable {
    private let queue = DispatchQueue(label: "warehouse-sync.store")
    private let location: StoreLocation
    private let store = Mutex<(any Store)?>(nil)

    init(location: StoreLocation) {
        self.location = location
    }

    func perform<T: Sendable>(_ body: @escaping @Sendable (any Store) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(
                    with: Result {
                        try self.store.withLock { store in
                            if store == nil { store = try self.location.open() }
                            do {
                                return try body(store!)
                            } catch let error as StoreError where error.isTransient {
                                // A lost connection (a restarted store server) is opened afresh next time.
                                store = nil
                                throw error
                            }
                        }
                    })
            }
        }
    }
}

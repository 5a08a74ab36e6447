import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

/// Owns one store connection and runs every use of it, opening included, on one serial queue,
/// off Swift's cooperative pool. The connection is touched only by jobs on that queue.
final class StoreWorker: @unchecked Sendable {
    private let queue = DispatchQueue(label: "warehouse-sync.store")
    private let location: StoreLocation
    private var store: (any Store)?

    init(location: StoreLocation) {
        self.location = location
    }

    func perform<T: Sendable>(_ body: @escaping @Sendable (any Store) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(
                    with: Result {
                        if self.store == nil { self.store = try self.location.open() }
                        do {
                            return try body(self.store!)
                        } catch let error as StoreError where error.isTransient {
                            // A lost connection (a restarted store server) is opened afresh next time.
                            self.store = nil
                            throw error
                        }
                    })
            }
        }
    }
}

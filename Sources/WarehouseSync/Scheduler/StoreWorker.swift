import Foundation

/// Owns one store connection and runs every use of it on one serial queue, off Swift's
/// cooperative pool. The connection is touched only by jobs on that queue.
final class StoreWorker: @unchecked Sendable {
    private let queue = DispatchQueue(label: "warehouse-sync.store")
    private let store: any Store

    init(location: StoreLocation) throws {
        store = try location.open()
    }

    func perform<T: Sendable>(_ body: @escaping @Sendable (any Store) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self.store) }) }
        }
    }
}

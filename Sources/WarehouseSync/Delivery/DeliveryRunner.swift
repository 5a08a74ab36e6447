import Drivers
import Foundation
import Stores
import SyncCore

/// Delivers queued changes to a project's destinations (docs/destinations.md): what `sync` does after its runs,
/// what `deliver` does by hand and what `serve` does continuously. Blocking: call it from a
/// thread of its own or through `runBlocking`.
public struct DeliveryRunner: Sendable {
    public let project: Project

    public init(project: Project) { self.project = project }

    /// The destinations the given models deliver to, in config order, each once.
    public func destinations(of models: [Model]) -> [DestinationConfig] {
        let names = Set(models.flatMap(\.destinations))
        return project.config.destinations.values.filter { names.contains($0.name) }.sorted { $0.name < $1.name }
    }

    /// Delivers to each destination until its outbox is empty, it backs off past its
    /// `delivery_timeout` from now (or `limit`, when shorter), or `stop` says so.
    /// - Throws: `StoreError` when the store cannot be opened or fails.
    public func deliver(
        _ destinations: [DestinationConfig], limit: Duration? = nil, stop: @escaping () -> Bool = { false },
        now: @escaping () -> Date = { Date() }
    ) throws -> [DeliveryReport] {
        guard !destinations.isEmpty else { return [] }
        let store = try project.storeLocation.open()
        let http = HTTPClient()
        let redact = project.secrets.redact
        return try destinations.map { destination in
            var timeout = destination.deliveryTimeout
            if let limit, limit < timeout { timeout = limit }
            let deadline = now().addingTimeInterval(Double(timeout.components.seconds))
            return try Deliverer(destination, store: store, http: http, redact: { redact($0) }, now: now)
                .run(until: deadline, stop: stop)
        }
    }

    /// Per destination: pending, delivered, retrying and dead changes, and up to `deadLetterLimit`
    /// dead letters each.
    public func stats(deadLetterLimit: Int = 100) throws -> [DestinationStats] {
        try project.storeLocation.open(readingOnly: true).deliveryStats(
            names: project.config.destinations.keys.sorted(), deadLetterLimit: deadLetterLimit)
    }
}

import Foundation
import SyncCore
import Synchronization

/// What the HTTP API asks of the running scheduler (`SchedulerService`).
public protocol ServiceControl: Sendable {
    /// Queues a run of `model` (docs/http-api.md); `running` is the id of the model's run in progress, for
    /// a 409 when the trigger asked not to queue.
    func trigger(model: String, request: RunRequest, queue: Bool) async -> (result: TriggerResult, running: String?)
    /// A run the scheduler has queued or started that the store does not have yet.
    func liveRun(id: String) async -> LiveRun?
    /// Writes an event to the service's log (a dbt Cloud run that failed, docs/dbt.md).
    func note(_ event: String, level: String, _ fields: [String: String]) async
}

extension ServiceControl {
    public func note(_ event: String, level: String, _ fields: [String: String]) async {}
}

/// A run not yet in the store: `status` is `queued` or `running`.
public struct LiveRun: Encodable, Sendable, Equatable {
    public var id: String
    public var model: String
    public var status: String
    public var trigger: String

    public init(id: String, model: String, status: String, trigger: String) {
        self.id = id
        self.model = model
        self.status = status
        self.trigger = trigger
    }
}

/// Waits on the calling thread (one of the HTTP server's, never the cooperative pool's) for
/// `body`, run as a task.
func waitFor<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let result = Mutex<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let value = await body()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    return result.withLock { $0! }
}

import Foundation
import SyncCore
import Synchronization

/// `serve`'s delivery: a thread of its own (HTTP and the store block) that drains every configured
/// destination's outbox about once a second, honouring each destination's backoff, until stopped.
/// It never touches the scheduler's store connection, so a slow destination never delays a commit.
final class DeliveryLoop: Sendable {
    private let project: Mutex<Project>
    private let stopped = Atomic(false)
    private let finished = DispatchSemaphore(value: 0)
    private let log: any ServiceLog
    /// Called after each pass with its reports and the outbox's state (for the metrics).
    private let onPass: @Sendable ([DeliveryReport], [DestinationStats]) -> Void

    init(
        project: Project, log: any ServiceLog,
        onPass: @escaping @Sendable ([DeliveryReport], [DestinationStats]) -> Void = { _, _ in }
    ) {
        self.project = Mutex(project)
        self.log = log
        self.onPass = onPass
    }

    /// Starts the thread when the project has destinations; a later `update` may add some.
    func start() {
        Thread { [self] in
            defer { finished.signal() }
            var lastErrors: [String: String] = [:]
            while !stopped.load(ordering: .relaxed) {
                let current = project.withLock { $0 }
                let runner = DeliveryRunner(project: current)
                // Every configured destination: changes queued before a model stopped naming one still go out.
                let destinations = current.config.destinations.values.sorted { $0.name < $1.name }
                if !destinations.isEmpty {
                    do {
                        let reports = try runner.deliver(
                            destinations, limit: .seconds(5), stop: { [self] in stopped.load(ordering: .relaxed) })
                        for report in reports { note(report, lastErrors: &lastErrors) }
                        onPass(reports, try runner.stats(deadLetterLimit: 0))
                    } catch {
                        log.emit(
                            "delivery_error", level: "error", ["error": .string(current.secrets.redact("\(error)"))])
                    }
                }
                for _ in 0..<10 where !stopped.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.1) }
            }
        }.start()
    }

    /// The project after a reload: its destinations and models from the next pass on.
    func update(_ project: Project) { self.project.withLock { $0 = project } }

    /// Stops between requests and waits for the thread, at most `timeout` seconds.
    func stop(timeout: TimeInterval) {
        stopped.store(true, ordering: .relaxed)
        _ = finished.wait(timeout: .now() + timeout)
    }

    /// Logs what changed: deliveries, dead letters, and a destination starting or ending a backoff.
    private func note(_ report: DeliveryReport, lastErrors: inout [String: String]) {
        if report.delivered > 0 || report.dead > 0 {
            log.emit(
                "delivered", level: report.dead > 0 ? "warn" : "info",
                [
                    "destination": .string(report.destination), "delivered": .int(report.delivered),
                    "dead": .int(report.dead),
                ])
        }
        if let until = report.backingOffUntil, let error = report.lastError {
            if lastErrors[report.destination] != error {
                log.emit(
                    "delivery_retry", level: "warn",
                    [
                        "destination": .string(report.destination), "error": .string(error),
                        "next_attempt_at": .string(formatInstant(until)),
                    ])
            }
            lastErrors[report.destination] = error
        } else {
            lastErrors[report.destination] = nil
        }
    }
}

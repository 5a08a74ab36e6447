import Drivers
import Foundation
import SyncCore
import Synchronization

/// `serve`'s alerts (docs/http-api.md): each `[alerts.NAME]` keeps an `AlertTracker` per model, fed with
/// each finished run and, on every tick, each scheduled model's last success; what the trackers
/// call for is sent on a thread of each alert's own (HTTP blocks: a receiver that hangs delays
/// only its own alert), retried 3 times (after 1 s, 5 s and 25 s) and logged (`alert_sent`,
/// `alert_failed`; `alert_dropped` for what was still queued at shutdown). Sending never delays
/// or fails a run. The trackers live in memory: after a restart a model still failing is
/// reported once more.
final class AlertDispatcher: Sendable {
    struct Pending: Sendable {
        var alert: AlertConfig
        var event: AlertEvent
        var dashboard: String?
        var attempt = 0
        var notBefore = Date.distantPast
    }

    static let retryDelays: [TimeInterval] = [1, 5, 25]

    private let state: Mutex<(configs: [AlertConfig], trackers: [String: AlertTracker], publicURL: String?)>
    /// Each alert's queue, and which alerts have a sending thread.
    private let pending = Mutex<(queues: [String: [Pending]], workers: Set<String>)>(([:], []))
    private let wake = Mutex<[String: DispatchSemaphore]>([:])
    private let stopped = Atomic(false)
    private let finished = DispatchSemaphore(value: 0)
    /// The longest a receiver may take to answer one message.
    static let timeout: Duration = .seconds(5)
    /// Slack shows at most about 4,000 characters of a message's text: longer errors are cut.
    static let slackTextLimit = 3000
    private let log: any ServiceLog
    private let client = HTTPClient()

    init(project: Project, log: any ServiceLog) {
        let configs = project.config.alerts.values.sorted { $0.name < $1.name }
        state = Mutex(
            (
                configs,
                Dictionary(uniqueKeysWithValues: configs.map { ($0.name, AlertTracker(policy: $0.policy)) }),
                project.config.server?.publicURL
            ))
        self.log = log
    }

    var isEmpty: Bool { state.withLock { $0.configs.isEmpty } }

    /// The alerts after a reload; an alert whose policy did not change keeps its models' state.
    func update(_ project: Project) {
        state.withLock { state in
            let configs = project.config.alerts.values.sorted { $0.name < $1.name }
            var trackers: [String: AlertTracker] = [:]
            for config in configs {
                // A changed threshold keeps the models' states: an incident already sent is not sent again.
                var tracker = state.trackers[config.name] ?? AlertTracker(policy: config.policy)
                tracker.policy = config.policy
                trackers[config.name] = tracker
            }
            state = (configs, trackers, project.config.server?.publicURL)
        }
    }

    /// A run ended: `previous` are the model's earlier runs, newest first, skipped ones left out.
    func runEnded(_ run: RunRecord, previous: [RunRecord]) {
        enqueue { $0.runEnded(run, previous: previous) }
    }

    /// A tick: whether `model` became stale (`busy`: it runs or waits for a slot).
    func check(model: String, lastSuccess: Date?, period: TimeInterval?, since: Date, now: Date, busy: Bool) {
        enqueue {
            $0.check(model: model, lastSuccess: lastSuccess, period: period, since: since, now: now, busy: busy)
        }
    }

    private func enqueue(_ decide: (inout AlertTracker) -> [AlertEvent]) {
        let due = state.withLock { state -> [Pending] in
            var due: [Pending] = []
            for config in state.configs {
                guard var tracker = state.trackers[config.name] else { continue }
                for event in decide(&tracker) {
                    due.append(
                        Pending(
                            alert: config, event: event,
                            dashboard: state.publicURL.map { "\($0)/#model-\(event.model)" }))
                }
                state.trackers[config.name] = tracker
            }
            return due
        }
        guard !due.isEmpty else { return }
        for item in due { queue(item) }
    }

    /// Adds `item` to its alert's queue, starting the alert's sending thread the first time.
    private func queue(_ item: Pending) {
        let name = item.alert.name
        let isNew = pending.withLock { state -> Bool in
            state.queues[name, default: []].append(item)
            return state.workers.insert(name).inserted
        }
        let signal = wake.withLock { signals -> DispatchSemaphore in
            if let signal = signals[name] { return signal }
            let signal = DispatchSemaphore(value: 0)
            signals[name] = signal
            return signal
        }
        if isNew { startWorker(name, signal) } else { signal.signal() }
    }

    /// The sending thread of one alert: its messages in order, retries when due.
    private func startWorker(_ name: String, _ signal: DispatchSemaphore) {
        Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                let now = Date()
                let ready = pending.withLock { state -> [Pending] in
                    let queue = state.queues[name] ?? []
                    state.queues[name] = queue.filter { $0.notBefore > now }
                    return queue.filter { $0.notBefore <= now }
                }
                for item in ready {
                    if stopped.load(ordering: .relaxed) {
                        pending.withLock { $0.queues[name, default: []].append(item) }  // logged as dropped
                    } else {
                        send(item)
                    }
                }
                let next = pending.withLock { $0.queues[name]?.map(\.notBefore).min() }
                let wait = next.map { max(0.05, min($0.timeIntervalSinceNow, 1)) } ?? 1
                _ = signal.wait(timeout: .now() + wait)
            }
            finished.signal()
        }.start()
    }

    /// Stops the sending threads after the messages in flight (each at most `timeout` seconds) and
    /// logs what was still queued as dropped.
    func stop(timeout: TimeInterval) {
        stopped.store(true, ordering: .relaxed)
        for signal in wake.withLock({ Array($0.values) }) { signal.signal() }
        let workers = pending.withLock { $0.workers.count }
        let deadline = DispatchTime.now() + timeout
        for _ in 0..<workers { _ = finished.wait(timeout: deadline) }
        let dropped = pending.withLock { state -> [Pending] in
            defer { state.queues = [:] }
            return state.queues.values.flatMap { $0 }
        }
        for item in dropped {
            log.emit(
                "alert_dropped", level: "warn",
                [
                    "alert": .string(item.alert.name), "model": .string(item.event.model),
                    "condition": .string(item.event.condition.rawValue),
                    "reason": .string("serve stopped before it could be sent"),
                ])
        }
    }

    private func send(_ item: Pending) {
        var item = item
        let body = Self.payload(item.alert.kind, item.event, dashboard: item.dashboard)
        let url = URL(string: item.alert.url.reveal())!
        let fields: [String: EventField] = [
            "alert": .string(item.alert.name), "model": .string(item.event.model),
            "condition": .string(item.event.condition.rawValue),
        ]
        switch client.post(url, headers: [], body: Data(body.utf8), timeout: Self.timeout) {
        case .response(let status, _, _) where (200..<300).contains(status):
            log.emit("alert_sent", fields)
            return
        case .response(let status, _, _):
            retry(&item, fields, "the receiver answered \(status)")
        case .failure(let reason):
            retry(&item, fields, reason)
        }
    }

    private func retry(_ item: inout Pending, _ fields: [String: EventField], _ reason: String) {
        var fields = fields
        fields["error"] = .string(reason)
        fields["attempt"] = .int(item.attempt + 1)
        guard item.attempt < Self.retryDelays.count else {
            fields["gave_up"] = .string("after \(item.attempt + 1) attempts")
            log.emit("alert_failed", level: "error", fields)
            return
        }
        log.emit("alert_failed", level: "warn", fields)
        item.notBefore = Date().addingTimeInterval(Self.retryDelays[item.attempt])
        item.attempt += 1
        let retried = item
        pending.withLock { $0.queues[retried.alert.name, default: []].append(retried) }
    }

    /// The request body: webhook `{"alert", "model", "run", "status", "message", "at",
    /// "dashboard_url"}`; Slack `{"text": ...}` with the same facts.
    static func payload(_ kind: AlertConfig.Kind, _ event: AlertEvent, dashboard: String?) -> String {
        var out: [UInt8] = []
        switch kind {
        case .webhook:
            JSONFields.object(
                [
                    ("alert", .string(event.condition.rawValue)), ("model", .string(event.model)),
                    ("run", .string(event.run)), ("status", .string(event.status)), ("message", .string(event.message)),
                    ("at", .string(formatInstant(event.at))), ("dashboard_url", .string(dashboard)),
                ], to: &out)
        case .slack:
            let mark =
                switch event.condition {
                case .failed: ":red_circle:"
                case .blocked: ":large_orange_circle:"
                case .recovered: ":large_green_circle:"
                default: ":warning:"
                }
            let message =
                event.message.count > slackTextLimit ? event.message.prefix(slackTextLimit) + " …" : event.message
            var text = "\(mark) *\(slackEscaped(event.model))* \(event.condition.rawValue): \(slackEscaped(message))"
            if let run = event.run { text += " (run \(run))" }
            if let dashboard { text += " <\(dashboard)|dashboard>" }
            JSONFields.object([("text", .string(text))], to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Slack's mrkdwn escapes: `&`, `<` and `>` only.
    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

import Foundation

/// What an alert watches for (docs/http-api.md).
public enum AlertCondition: String, Sendable, CaseIterable, Hashable {
    case failed, blocked, recovered, slow, empty, stale
    case changedSpike = "changed_spike"
    case costSpike = "cost_spike"
}

/// One `[alerts.NAME]`'s thresholds: which conditions it sends and when they hold.
public struct AlertPolicy: Sendable, Equatable {
    public var on: Set<AlertCondition>
    /// Failed runs in a row before `failed` is sent.
    public var failuresBeforeAlert = 1
    /// `slow` when a run takes longer than this (also when over 3× the median of the last 20).
    public var maxDuration: Duration?
    /// `changed_spike` when a run changes more rows than this share (or count) of the previous run's rows.
    public var maxChangedAlert = Model.RemovalLimit.percent(20)

    public init(on: Set<AlertCondition>) { self.on = on }
}

/// A message to send: the condition (or `recovered`), the model, the run and what happened.
public struct AlertEvent: Sendable, Equatable {
    public var condition: AlertCondition
    public var model: String
    public var run: String?
    public var status: String?
    public var message: String
    public var at: Date
}

/// A model's alert state for one alert, as a pure state machine (docs/http-api.md): one message per change
/// of state (failing, held, stale, then recovered), never one per run or tick. Conditions of a
/// single run (slow, empty, changed_spike, cost_spike) are sent when they start to hold and again
/// only after a run where they did not.
public struct AlertTracker: Sendable {
    enum Standing: Sendable { case ok, failing, held, stale }

    struct ModelState: Sendable {
        var standing = Standing.ok
        var failures = 0
        var active: Set<AlertCondition> = []
    }

    /// The thresholds; changing them (a config edit) keeps each model's state, so an incident
    /// already reported is not reported again.
    public var policy: AlertPolicy
    private var models: [String: ModelState] = [:]

    public init(policy: AlertPolicy) { self.policy = policy }

    /// The messages a finished run calls for. `previous` are the model's earlier runs, newest
    /// first (skipped ones left out): the medians and the last row count come from them.
    public mutating func runEnded(_ run: RunRecord, previous: [RunRecord]) -> [AlertEvent] {
        var state = models[run.model] ?? ModelState()
        var events: [AlertEvent] = []
        func emit(_ condition: AlertCondition, _ message: String) {
            if policy.on.contains(condition) {
                events.append(
                    AlertEvent(
                        condition: condition, model: run.model, run: run.id, status: run.status.rawValue,
                        message: message, at: run.finishedAt ?? run.startedAt))
            }
        }
        switch run.status {
        case .failed:
            state.failures += 1
            if state.failures >= policy.failuresBeforeAlert && state.standing != .failing {
                state.standing = .failing
                let times = state.failures == 1 ? "" : " (\(state.failures) runs in a row)"
                emit(.failed, "model \(run.model) failed\(times): \(run.error ?? "no error recorded")")
            }
        case .blocked:
            state.failures = 0
            if state.standing != .held {
                state.standing = .held
                emit(.blocked, "model \(run.model) was held: \(run.error ?? "")")
            }
        case .succeeded:
            state.failures = 0
            if state.standing != .ok {
                let was = state.standing
                state.standing = .ok
                emit(.recovered, "model \(run.model) recovered (it was \(Self.word(was))): run \(run.id) succeeded")
            }
            for (condition, message) in Self.runConditions(run, previous: previous, policy: policy) {
                if let message {
                    if !state.active.contains(condition) { emit(condition, message) }
                    state.active.insert(condition)
                } else {
                    state.active.remove(condition)
                }
            }
        case .running, .skipped:
            break
        }
        models[run.model] = state
        return events
    }

    /// `stale` when a scheduled model has had no success for two schedule periods and is neither
    /// failing (a failing model has `failed`, after `failures_before_alert`) nor running or
    /// waiting for a slot (the caller says `busy`).
    public mutating func check(
        model: String, lastSuccess: Date?, period: TimeInterval?, since: Date, now: Date, busy: Bool = false
    ) -> [AlertEvent] {
        guard let period, !busy else { return [] }
        var state = models[model] ?? ModelState()
        let reference = lastSuccess ?? since
        guard now.timeIntervalSince(reference) > 2 * period, state.standing == .ok, state.failures == 0 else {
            return []
        }
        state.standing = .stale
        models[model] = state
        guard policy.on.contains(.stale) else { return [] }
        let last = lastSuccess.map { "since \(formatInstant($0))" } ?? "since the service started"
        return [
            AlertEvent(
                condition: .stale, model: model, run: nil, status: nil,
                message: "model \(model) is stale: no successful run \(last), over two schedule periods", at: now)
        ]
    }

    private static func word(_ standing: Standing) -> String {
        switch standing {
        case .ok: "ok"
        case .failing: "failing"
        case .held: "held"
        case .stale: "stale"
        }
    }

    /// Each single-run condition with its message when it holds, nil when it does not.
    static func runConditions(_ run: RunRecord, previous: [RunRecord], policy: AlertPolicy) -> [(
        AlertCondition, String?
    )] {
        let earlier = previous.filter { $0.status == .succeeded }.prefix(20)
        var result: [(AlertCondition, String?)] = []
        let duration = run.finishedAt.map { $0.timeIntervalSince(run.startedAt) } ?? 0
        let durations = earlier.compactMap { r in r.finishedAt.map { $0.timeIntervalSince(r.startedAt) } }
        var slow: String?
        if let limit = policy.maxDuration, duration > Double(limit.components.seconds) {
            slow = String(
                format: "model %@ took %.1f s, over max_duration %@", run.model, duration,
                DurationText.format(limit))
        } else if durations.count >= 5, let median = median(durations), median > 0, duration > 3 * median {
            slow = String(
                format: "model %@ took %.1f s, over 3× the median of its last runs (%.1f s)", run.model,
                duration, median)
        }
        result.append((.slow, slow))
        let last = earlier.first
        result.append(
            (
                .empty,
                run.rowsRead == 0 && (last?.rowsRead ?? 0) > 0
                    ? "model \(run.model) returned 0 rows; its previous run returned \(last!.rowsRead)" : nil
            ))
        let changed = run.added + run.changed + run.removed
        result.append(
            (
                .changedSpike,
                last.map { policy.maxChangedAlert.isExceeded(removed: changed, previous: $0.rowsRead) } == true
                    ? "model \(run.model) changed \(changed) rows of \(last!.rowsRead), more than "
                        + "max_changed_alert \(policy.maxChangedAlert)" : nil
            ))
        var costSpike: String?
        if let (measure, value) = run.cost?.sorted(by: { $0.key < $1.key }).first {
            let values = earlier.compactMap { $0.cost?[measure] }
            if values.count >= 5, let median = median(values), median > 0, value > 3 * median {
                costSpike =
                    "model \(run.model) cost \(value) \(measure), over 3× the median of its last runs (\(median))"
            }
        }
        result.append((.costSpike, costSpike))
        return result
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

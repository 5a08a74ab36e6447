import Foundation

/// A model as the scheduler sees it.
public struct ScheduledModel: Sendable, Equatable {
    public var name: String
    public var schedule: Schedule
    public var timeZone: TimeZone
    public var source: String

    public init(name: String, schedule: Schedule, timeZone: TimeZone, source: String) {
        self.name = name
        self.schedule = schedule
        self.timeZone = timeZone
        self.source = source
    }
}

/// What a run asked for through the API (docs/http-api.md) carries into its start.
public struct RunRequest: Sendable, Equatable {
    /// Resend every trait of every row.
    public var full = false
    /// Let a run held by `max_removed` or `max_changed` through.
    public var force = false
    /// The id the run will have, given when it was asked for so the caller can follow it; nil
    /// for scheduled runs (the runner makes one).
    public var runID: String?

    public init(full: Bool = false, force: Bool = false, runID: String? = nil) {
        self.full = full
        self.force = force
        self.runID = runID
    }
}

/// What a trigger did (docs/http-api.md).
public enum TriggerResult: Sendable, Equatable {
    /// A run was queued; it starts within `SchedulerCore.coalesceWindow` when a slot is free.
    case queued(runID: String?)
    /// A run of the model was already queued: the trigger joins it.
    case joined(runID: String?)
    /// The model is running and the trigger asked not to queue.
    case running
    /// No enabled model has that name.
    case unknownModel
    /// The service is stopping: nothing new starts (the service answers this, not the core).
    case shuttingDown
}

/// What the service loop must do next.
public enum SchedulerAction: Sendable, Equatable {
    /// Persist that `model` fired for the due time `at` (so a restart neither repeats nor loses it).
    case recordFire(model: String, at: Date)
    /// Start a run.
    case start(model: String, trigger: RunRecord.Trigger, attempt: Int, request: RunRequest = RunRequest())
    /// Record a `skipped` run: the tick came while the model was running.
    case skip(model: String, reason: String)
    /// A transient failure will be retried at `at`.
    case retryScheduled(model: String, attempt: Int, at: Date)
}

/// How a run ended, as the scheduler needs to know it.
public enum RunEnd: Sendable, Equatable {
    case succeeded
    /// Skipped because its sources did not change (docs/cost.md): like a success, but it starts no
    /// dependent (nothing it writes changed).
    case unchanged
    case failed(transient: Bool)
    /// Another process held the model's lease.
    case alreadyRunning
}

/// The scheduler's decisions as a pure state machine: give it the time and what happened, it
/// returns what to do. No clock, no I/O, no randomness of its own (jitter is injected).
public struct SchedulerCore: Sendable {
    public struct Queued: Sendable, Equatable {
        var model: String
        var trigger: RunRecord.Trigger
        var attempt: Int
        var queuedAt: Date
        var request = RunRequest()
        /// A triggered run waits this long for more triggers to join it before it may start.
        var notBefore: Date? = nil
    }

    /// How long a triggered run waits for more triggers of the same model before it starts: a
    /// burst of triggers (a dbt job's many finishing hooks) starts one run.
    public static let coalesceWindow: TimeInterval = 0.5

    public private(set) var models: [String: ScheduledModel] = [:]
    /// The last due time each model fired for (persisted by `recordFire`).
    public private(set) var lastFire: [String: Date]
    public private(set) var running: [String: (source: String, attempt: Int)] = [:]
    public private(set) var queue: [Queued] = []
    public private(set) var retries: [String: (at: Date, attempt: Int)] = [:]
    public let maxConcurrentRuns: Int
    public let maxConcurrentPerSource: [String: Int]
    /// Delays before the 1st, 2nd and 3rd retry; each is jittered by up to ±20%.
    public static let retryDelays: [TimeInterval] = [30, 120, 480]
    /// Returns a number in 0..<1; injected so tests are deterministic.
    private let random: @Sendable () -> Double
    /// When the service started: models that never fired count their first tick from here.
    private let startedAt: Date

    public init(
        models: [ScheduledModel], lastFire: [String: Date], maxConcurrentRuns: Int,
        maxConcurrentPerSource: [String: Int], startedAt: Date,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.lastFire = lastFire
        self.maxConcurrentRuns = maxConcurrentRuns
        self.maxConcurrentPerSource = maxConcurrentPerSource
        self.startedAt = startedAt
        self.random = random
        replaceModels(models)
    }

    /// Takes a new set of models (a reload): removed ones stop being scheduled and lose their
    /// queued runs and retries; a running one finishes.
    public mutating func replaceModels(_ newModels: [ScheduledModel]) {
        models = Dictionary(newModels.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        queue.removeAll { models[$0.model] == nil }
        retries = retries.filter { models[$0.key] != nil }
    }

    /// When `model` is next due.
    public func nextDue(_ name: String) -> Date? {
        guard let model = models[name] else { return nil }
        return SchedulerDecisions.nextDue(
            schedule: model.schedule, timeZone: model.timeZone,
            lastFire: lastFire[name] ?? startedAt, now: startedAt)
    }

    /// Everything due at `now`: fires, skips, retries, and as many starts as the limits allow.
    public mutating func tick(now: Date) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for name in models.keys.sorted() {
            guard let model = models[name], let due = nextDue(name), due <= now else { continue }
            let catchUp = SchedulerDecisions.isCatchUp(
                schedule: model.schedule, timeZone: model.timeZone, due: due, now: now)
            let fireAt = SchedulerDecisions.latestTick(
                schedule: model.schedule, timeZone: model.timeZone, from: due, now: now)
            lastFire[name] = fireAt
            actions.append(.recordFire(model: name, at: fireAt))
            if running[name] != nil || queue.contains(where: { $0.model == name }) {
                actions.append(
                    .skip(
                        model: name,
                        reason:
                            "the tick due at \(formatInstant(fireAt)) came while the previous run was still "
                            + "\(running[name] != nil ? "running" : "waiting for a slot")"
                    ))
            } else {
                retries[name] = nil
                queue.append(Queued(model: name, trigger: catchUp ? .catchUp : .schedule, attempt: 0, queuedAt: now))
            }
        }
        for (name, retry) in retries.sorted(by: { $0.key < $1.key }) where retry.at <= now {
            retries[name] = nil
            if running[name] == nil && !queue.contains(where: { $0.model == name }) {
                queue.append(Queued(model: name, trigger: .retry, attempt: retry.attempt, queuedAt: now))
            }
        }
        return actions + dispatch(now: now)
    }

    /// Asks for a run of `name` now (the API's trigger): it joins a run of the model already
    /// queued; while the model runs it queues one follow-up run, or with `queue` false answers
    /// `.running`. A queued trigger starts after `coalesceWindow`, when the limits allow.
    public mutating func trigger(model name: String, request: RunRequest, queue allowQueue: Bool, now: Date) -> (
        TriggerResult, [SchedulerAction]
    ) {
        guard models[name] != nil else { return (.unknownModel, []) }
        // Asked not to queue: no follow-up of a running model, not even one already queued.
        if running[name] != nil && !allowQueue { return (.running, []) }
        if let index = queue.firstIndex(where: { $0.model == name }) {
            // The joined run does what each trigger asked: a full one if any asked for full.
            queue[index].request.full = queue[index].request.full || request.full
            queue[index].request.force = queue[index].request.force || request.force
            return (.joined(runID: queue[index].request.runID), [])
        }
        retries[name] = nil
        queue.append(
            Queued(
                model: name, trigger: .api, attempt: 0, queuedAt: now, request: request,
                notBefore: now.addingTimeInterval(Self.coalesceWindow)))
        return (.queued(runID: request.runID), dispatch(now: now))
    }

    /// The runs waiting to start, in order, with the id each will have when one was given.
    public var queued: [(model: String, runID: String?)] { queue.map { ($0.model, $0.request.runID) } }

    /// Starts queued runs, in the order they were queued, while the limits allow. A model runs
    /// once at a time: its follow-up run waits for the running one.
    private mutating func dispatch(now: Date) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        var index = 0
        while index < queue.count && running.count < maxConcurrentRuns {
            let item = queue[index]
            guard let model = models[item.model] else {
                queue.remove(at: index)
                continue
            }
            let onSource = running.values.filter { $0.source == model.source }.count
            if onSource >= maxConcurrentPerSource[model.source, default: 1] || running[item.model] != nil
                || (item.notBefore.map { $0 > now } ?? false)
            {
                index += 1
                continue
            }
            queue.remove(at: index)
            running[item.model] = (model.source, item.attempt)
            actions.append(
                .start(model: item.model, trigger: item.trigger, attempt: item.attempt, request: item.request))
        }
        return actions
    }

    /// A run ended: frees its slot, schedules a retry for a transient failure (up to 3), queues
    /// the models that run `after` it when it succeeded or was skipped with its sources unchanged
    /// (a dependent may read other tables too: its own probe decides whether it runs), and starts
    /// what was waiting.
    public mutating func finished(model name: String, _ end: RunEnd, now: Date) -> [SchedulerAction] {
        let attempt = running.removeValue(forKey: name)?.attempt ?? 0
        var actions: [SchedulerAction] = []
        if end == .succeeded || end == .unchanged {
            for dependent in models.keys.sorted() where models[dependent]?.schedule == .after(name) {
                // A queued run of the dependent will read what this run wrote: it is not queued twice.
                if !queue.contains(where: { $0.model == dependent }) {
                    retries[dependent] = nil
                    queue.append(Queued(model: dependent, trigger: .dependency, attempt: 0, queuedAt: now))
                }
            }
        }
        if case .failed(transient: true) = end, attempt < Self.retryDelays.count, models[name] != nil {
            let base = Self.retryDelays[attempt]
            let at = now.addingTimeInterval(base * (0.8 + 0.4 * random()))
            retries[name] = (at, attempt + 1)
            actions.append(.retryScheduled(model: name, attempt: attempt + 1, at: at))
        }
        return actions + dispatch(now: now)
    }

    /// The service is stopping: every run still waiting for a slot is recorded `skipped` and its
    /// tick is marked as not yet fired, so the next start catches it up like a tick missed while
    /// the service was down.
    public mutating func shutdown() -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for item in queue {
            actions.append(.skip(model: item.model, reason: Self.shutdownReason))
            if item.trigger != .retry, let fired = lastFire[item.model] {
                let before = fired.addingTimeInterval(-1)
                lastFire[item.model] = before
                actions.append(.recordFire(model: item.model, at: before))
            }
        }
        queue.removeAll()
        retries.removeAll()
        return actions
    }

    /// A run cancelled by the shutdown: its tick is marked as not yet fired, so the next start runs
    /// it again, as it does for runs that waited for a slot.
    public mutating func cancelledAtShutdown(model name: String) -> [SchedulerAction] {
        running[name] = nil
        guard let fired = lastFire[name] else { return [] }
        let before = fired.addingTimeInterval(-1)
        lastFire[name] = before
        return [.recordFire(model: name, at: before)]
    }

    /// Why a run that waited for a slot at shutdown did not run.
    public static let shutdownReason =
        "shutdown: the service stopped while the run waited for a slot; it runs on the next start"

    /// When the loop must wake next: the earliest due time or retry; nil when nothing is scheduled.
    public func nextWakeup() -> Date? {
        let dues = models.keys.compactMap { nextDue($0) }
        let retryTimes = retries.values.map(\.at)
        let coalescing = queue.compactMap(\.notBefore)
        return (dues + retryTimes + coalescing).min()
    }
}

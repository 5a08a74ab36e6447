import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import Synchronization

/// `serve`: runs every enabled model on its schedule until SIGTERM or SIGINT (docs/serve.md). The
/// decisions are `SchedulerCore`'s; this loop only sleeps until the next wakeup or event,
/// carries out the actions, and reports each event as one log line.
package actor SchedulerService {
    /// The longest sleep: the loop recomputes at least this often, so wall-clock jumps are noticed.
    static let maxSleep: TimeInterval = 60
    static let heartbeatEvery: TimeInterval = 30
    static let shutdownDeadline: TimeInterval = 9

    private let directory: URL
    private let environment: [String: String]
    let log: any ServiceLog
    let now: @Sendable () -> Date
    var project: Project
    var core: SchedulerCore
    private var tokens: [String: CancellationToken] = [:]
    var metrics: MetricsFile
    /// What `GET /metrics` serves: the metrics as of the last change, read on the HTTP threads.
    let metricsText = SharedText()
    /// The HTTP API and dashboard (`[server]`), started by `run`.
    var server: HTTPServer?
    var api: APIHandler?
    /// The id of each model's run in progress.
    var runIDs: [String: String] = [:]
    /// The trigger of each model's run in flight.
    var runTriggers: [String: RunRecord.Trigger] = [:]
    /// `[alerts.NAME]`: fed with each finished run and, each tick, each model's last success.
    let alerts: AlertDispatcher
    var lastSuccess: [String: Date] = [:]
    let startedAt: Date
    private let delivery: DeliveryLoop
    let store: StoreWorker
    private let holder: String
    private let events: AsyncStream<ServiceEvent>
    private let continuation: AsyncStream<ServiceEvent>.Continuation
    private var sleeper: Task<Void, Never>?
    var shuttingDown = false
    /// Records the runs that were waiting for a slot at shutdown; awaited before exiting.
    private var shutdownRecords: Task<Void, Never>?

    package init(
        project: Project, environment: [String: String], log: any ServiceLog, now: @escaping @Sendable () -> Date
    )
        async throws
    {
        self.directory = project.directory
        self.environment = environment
        self.log = log
        self.now = now
        self.project = project
        let store = StoreWorker(location: project.storeLocation)
        self.store = store
        let states = try await store.perform { try $0.modelStates() }
        var lastFire: [String: Date] = [:]
        for state in states { if let at = state.lastFireAt { lastFire[state.model] = at } }
        for state in states { if let at = state.lastSuccessAt { lastSuccess[state.model] = at } }
        startedAt = now()
        alerts = AlertDispatcher(project: project, log: log)
        core = SchedulerCore(
            models: Self.scheduled(project), lastFire: lastFire, maxConcurrentRuns: project.config.maxConcurrentRuns,
            maxConcurrentPerSource: project.config.sources.mapValues(\.maxConcurrentRuns), startedAt: now())
        metrics = MetricsFile(path: project.metricsPath)
        let (events, continuation) = AsyncStream.makeStream(of: ServiceEvent.self)
        delivery = DeliveryLoop(project: project, log: log) { reports, stats in
            continuation.yield(.delivered(reports, stats))
        }
        holder = "\(ProcessInfo.processInfo.hostName):\(getpid()):serve"
        (self.events, self.continuation) = (events, continuation)
    }

    /// Every enabled model: scheduled ones fire on their schedule; manual ones run when triggered.
    static func scheduled(_ project: Project) -> [ScheduledModel] {
        project.models.filter(\.enabled).map {
            ScheduledModel(
                name: $0.name, schedule: $0.schedule, timeZone: $0.timezone ?? project.config.timezone,
                source: $0.source ?? "")
        }
    }

    /// Runs until a shutdown signal; returns the exit status.
    package func run() async -> Int32 {
        let log = self.log
        let signals = SignalEvents(
            continuation,
            deadline: (
                Self.shutdownDeadline + 0.5,
                {
                    log.emit(
                        "shutdown_forced", level: "warn",
                        [
                            "reason": .string(
                                "the shutdown did not finish in time (a run, the store or the HTTP server did not "
                                    + "stop); an open store transaction rolls back")
                        ])
                    // _exit: exit's handlers would tear down libraries that the stuck threads still use.
                    fflush(nil)
                    _exit(ExitStatus.success)
                }
            ))
        let manifest =
            project.models.contains { $0.dbtTemplate != nil } ? project.config.dbt?.manifestURL(in: directory) : nil
        let watcher = FileWatcher(project: directory, manifest: manifest, continuation)
        let heartbeat = startHeartbeat()
        delivery.start()
        if !startServer() {
            watcher?.cancel()
            heartbeat.cancel()
            signals.cancel()
            let delivery = self.delivery
            await Task.detached { delivery.stop(timeout: 5) }.value
            return ExitStatus.usage
        }
        log.emit("scheduler_started", ["models": .int(core.models.count), "holder": .string(holder)])
        await handle(core.tick(now: now()))
        scheduleWake()
        events: for await event in events {
            switch event {
            case .wake:
                if !shuttingDown {
                    await handle(core.tick(now: now()))
                    checkStale()
                }
            case .runEnded(let model, let end, let record, let error):
                await ended(model, end, record, error)
            case .reload(let why):
                if !shuttingDown { reload(why) }
            case .delivered(let reports, let stats):
                for report in reports { metrics.record(report) }
                metrics.record(stats, now: now())
                writeMetrics()
            case .shutdown(let why):
                // At the deadline the loop ends whatever runs are still in flight (a run stuck in a
                // store commit or a cancel to an unreachable host does not keep the process alive).
                if shuttingDown { if why == "deadline" { break events } else { continue } }
                await beginShutdown(why)
            }
            if shuttingDown {
                if tokens.isEmpty { break events }
            } else {
                scheduleWake()
            }
        }
        if let server {
            // Joins libmicrohttpd's threads: off the cooperative pool.
            _ = try? await runBlocking { _ in server.stop() }
        }
        let alerts = self.alerts
        _ = try? await runBlocking { _ in alerts.stop(timeout: 3) }
        await shutdownRecords?.value
        let delivery = self.delivery
        await Task.detached { delivery.stop(timeout: 5) }.value
        signals.cancel()
        watcher?.cancel()
        heartbeat.cancel()
        sleeper?.cancel()
        log.emit("scheduler_stopped", ["runs_abandoned": .int(tokens.count)])
        return ExitStatus.success
    }

    // MARK: - Actions

    var isShuttingDown: Bool { shuttingDown }

    func handle(_ actions: [SchedulerAction]) async {
        for action in actions {
            switch action {
            case .recordFire(let model, let at):
                do { try await store.perform { try $0.recordFire(model: model, at: at) } } catch {
                    log.emit("store_error", level: "error", ["model": .string(model), "error": .string("\(error)")])
                }
            case .start(let model, let trigger, let attempt, let request):
                if shuttingDown { continue }
                start(model, trigger: trigger, attempt: attempt, request: request)
            case .skip(let model, let reason):
                await recordSkipped(model, reason: reason)
            case .retryScheduled(let model, let attempt, let at):
                log.emit(
                    "run_retry_scheduled", level: "warn",
                    ["model": .string(model), "attempt": .int(attempt), "at": .string(formatInstant(at))])
            }
        }
    }

    private func start(_ name: String, trigger: RunRecord.Trigger, attempt: Int, request: RunRequest) {
        guard let model = project.model(named: name) else { return }
        let token = CancellationToken()
        tokens[name] = token
        var options = SyncOptions(trigger: trigger, full: request.full, force: request.force)
        options.runID = request.runID ?? RunRecord.newID(at: now())
        // A triggered run is a follow-up someone asked for: it waits for another process's run.
        options.waitForLease = trigger == .api
        runIDs[name] = options.runID
        runTriggers[name] = trigger
        let runner = SyncRunner(project: project)
        let continuation = self.continuation
        let now = self.now
        log.emit(
            "run_started", ["model": .string(name), "trigger": .string(trigger.rawValue), "attempt": .int(attempt)])
        Task.detached { [options] in
            do {
                let outcome = try await runBlocking(token: token) { t in
                    try runner.run(model, options: options, token: t, now: now)
                }
                let end: RunEnd =
                    switch outcome.record.status {
                    case .blocked: .failed(transient: false)
                    case .skipped: .unchanged
                    default: .succeeded
                    }
                continuation.yield(
                    .runEnded(model: name, end: end, record: outcome.record, error: outcome.record.error))
            } catch {
                continuation.yield(.runEnded(model: name, end: Self.classify(error), record: nil, error: "\(error)"))
            }
        }
    }

    /// Transient errors are retried; SQL errors, bad data and held runs are not.
    package static func classify(_ error: Error) -> RunEnd {
        if let e = error as? SyncError, e.code == .alreadyRunning { return .alreadyRunning }
        if let e = error as? ConnectorError, e.code == .cancelled { return .failed(transient: false) }
        // Each error says whether a retry may succeed; anything else (a config error) cannot.
        return .failed(transient: (error as? any ReportedError)?.isTransient ?? false)
    }

    private func ended(_ name: String, _ end: RunEnd, _ record: RunRecord?, _ error: String?) async {
        tokens[name] = nil
        let runID = runIDs.removeValue(forKey: name)
        let trigger = runTriggers.removeValue(forKey: name) ?? .schedule
        if shuttingDown, case .failed = end {
            log.emit("run_cancelled", ["model": .string(name), "reason": .string(SyncRunner.cancelledReason)])
            await handle(core.cancelledAtShutdown(model: name))
            return
        }
        var fields: [String: EventField] = record.map(RunFields.of) ?? ["model": .string(name)]
        switch end {
        case .succeeded:
            log.emit("run_finished", fields)
        case .unchanged:
            log.emit("run_skipped", fields)
        case .alreadyRunning:
            await recordSkipped(name, reason: "another process is running this model", id: runID, trigger: trigger)
        case .failed:
            if let error { fields["error"] = .string(error) }
            log.emit(record?.status == .blocked ? "run_blocked" : "run_failed", level: "error", fields)
        }
        if end != .alreadyRunning { await alert(name, record, runID: runID, error: error) }
        metrics.record(
            record
                ?? RunRecord(
                    id: "", model: name, source: "", trigger: .schedule,
                    status: end == .alreadyRunning ? .skipped : .failed, startedAt: now()))
        writeMetrics()
        await handle(core.finished(model: name, end, now: now()))
    }

    /// Records a run that did not run: under the id and trigger it was started with, when it was.
    private func recordSkipped(
        _ name: String, reason: String, id: String? = nil, trigger: RunRecord.Trigger = .schedule
    ) async {
        let at = now()
        var record = RunRecord(
            id: id ?? RunRecord.newID(at: at), model: name, source: project.model(named: name)?.source ?? "",
            trigger: trigger, status: .skipped, startedAt: at)
        record.finishedAt = at
        record.error = reason
        record.errorCode = RunRecord.Codes.notStarted
        do { try await store.perform { [record] in try $0.record(record) } } catch {
            log.emit("store_error", level: "error", ["model": .string(name), "error": .string("\(error)")])
        }
        log.emit("run_skipped", ["model": .string(name), "reason": .string(reason)])
    }

    // MARK: - Waking, reloading, stopping

    func scheduleWake() {
        sleeper?.cancel()
        let delay = min(
            Self.maxSleep,
            max(0, (core.nextWakeup() ?? now().addingTimeInterval(Self.maxSleep)).timeIntervalSince(now())))
        let continuation = self.continuation
        sleeper = Task {
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000) + 1))
            if !Task.isCancelled { continuation.yield(.wake) }
        }
    }

    private func reload(_ why: String) {
        do throws(ProjectErrors) {
            let reloaded = try Project.load(directory: directory, environment: environment)
            if !reloaded.config.serveOnlyProblems.isEmpty { throw ProjectErrors(reloaded.config.serveOnlyProblems) }
            log.addSecrets(reloaded.secrets)
            // Leases, heartbeats and fire times live in the store: switching stores under a running
            // service would split them, so a new store needs a restart.
            if reloaded.storeLocation.place != project.storeLocation.place
                || reloaded.config.storeURL != project.config.storeURL
            {
                log.emit(
                    "reload_failed", level: "error",
                    [
                        "reason": .string(why), "file": .string(Project.configFileName), "line": .int(0),
                        "error": .string("[store] url changed; serve keeps using \(project.storeLocation.place)"),
                        "hint": .string("restart serve to use the new store"),
                    ])
                log.emit("reload_kept_last_valid", level: "warn", ["problems": .int(1)])
                return
            }
            if reloaded.config.server?.host != project.config.server?.host
                || reloaded.config.server?.port != project.config.server?.port
                || reloaded.config.server?.token != project.config.server?.token
            {
                log.emit(
                    "reload_warning", level: "warn",
                    ["reason": .string("[server] changed; the HTTP server keeps its address and token until a restart")]
                )
            }
            project = reloaded
            api?.update(reloaded)
            alerts.update(reloaded)
            delivery.update(reloaded)
            core.replaceModels(Self.scheduled(reloaded))
            log.emit("reloaded", ["reason": .string(why), "models": .int(core.models.count)])
        } catch {
            for problem in error.errors {
                log.emit(
                    "reload_failed", level: "error",
                    [
                        "reason": .string(why), "file": .string(problem.file), "line": .int(problem.line ?? 0),
                        "error": .string(problem.message), "hint": .string(problem.hint ?? ""),
                    ])
            }
            log.emit("reload_kept_last_valid", level: "warn", ["problems": .int(error.errors.count)])
        }
    }

    private func beginShutdown(_ why: String) async {
        shuttingDown = true
        sleeper?.cancel()
        log.emit("shutdown", ["signal": .string(why), "cancelling": .int(tokens.count)])
        for token in tokens.values { token.cancel() }
        let continuation = self.continuation
        Task {
            try? await Task.sleep(for: .seconds(Self.shutdownDeadline))
            continuation.yield(.shutdown("deadline"))
        }
        // Recorded off the loop, so a slow store cannot hold the shutdown past its deadline.
        let waiting = core.shutdown()
        shutdownRecords = Task { await self.handle(waiting) }
    }

    private func writeMetrics() {
        metricsText.set(metrics.render())
        do { try metrics.write(appending: MetricsFile.logWriteErrors(log.lostLines)) } catch {
            log.emit(
                "metrics_error", level: "error",
                [
                    "error": .string("[scheduler] metrics_file: \(error)"),
                    "hint": .string("create the directory, or point metrics_file at a writable place; runs go on"),
                ])
        }
    }

    private func startHeartbeat() -> Task<Void, Never> {
        let store = self.store
        let holder = self.holder
        let now = self.now
        let log = self.log
        return Task {
            while !Task.isCancelled {
                do { try await store.perform { try $0.heartbeat(holder: holder, at: now()) } } catch {
                    log.emit("store_error", level: "error", ["error": .string("\(error)")])
                }
                try? await Task.sleep(for: .seconds(Self.heartbeatEvery))
            }
        }
    }
}

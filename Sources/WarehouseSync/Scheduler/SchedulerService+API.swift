import Drivers
import Foundation
import SyncCore
import Synchronization

/// The HTTP API's view of the scheduler (docs/http-api.md): triggers go through `SchedulerCore`, so they
/// coalesce with queued runs and obey the same concurrency limits as scheduled ones.
extension SchedulerService: ServiceControl {
    package func note(_ event: String, level: String, _ fields: [String: String]) async {
        log.emit(event, level: level, fields.mapValues { .string($0) })
    }

    package func trigger(model: String, request: RunRequest, queue: Bool) async -> (
        result: TriggerResult, running: String?
    ) {
        guard !isShuttingDown else { return (.shuttingDown, nil) }
        // Asked not to queue: a run of another process (a sync by hand, another serve) counts too.
        if !queue, runIDs[model] == nil, let elsewhere = await runningElsewhere(model) {
            return (.running, elsewhere)
        }
        let (result, actions) = core.trigger(model: model, request: request, queue: queue, now: now())
        switch result {
        case .queued(let id):
            log.emit("run_queued", ["model": .string(model), "run": .string(id ?? ""), "trigger": .string("api")])
        case .joined(let id):
            log.emit("run_trigger_joined", ["model": .string(model), "run": .string(id ?? "")])
        case .running, .unknownModel, .shuttingDown: break
        }
        await handle(actions)
        scheduleWake()
        return (result, runIDs[model])
    }

    /// The run id of a live lease on `model` held by another process, if there is one.
    private func runningElsewhere(_ model: String) async -> String? {
        let now = self.now()
        guard let states = try? await store.perform({ try $0.modelStates() }),
            let state = states.first(where: { $0.model == model }), let holder = state.leaseHolder,
            let expires = state.leaseExpiresAt, expires > now, !LeaseKeeper.isDeadLocalProcess(holder: holder)
        else { return nil }
        return holder.split(separator: ":").last.map(String.init) ?? holder
    }

    package func liveRun(id: String) async -> LiveRun? {
        if let (model, _) = runIDs.first(where: { $0.value == id }) {
            return LiveRun(id: id, model: model, status: "running", trigger: "api")
        }
        if let queued = core.queued.first(where: { $0.runID == id }) {
            return LiveRun(id: id, model: queued.model, status: "queued", trigger: "api")
        }
        return nil
    }

    /// Starts `[server]`'s HTTP server, if the config has one; false (logged) when it cannot listen.
    func startServer() -> Bool {
        guard let config = project.config.server else { return true }
        let metricsText = self.metricsText
        metricsText.set(metrics.render())
        let log = self.log
        let api = APIHandler(
            project: project, control: self,
            metrics: { metricsText.value + MetricsFile.logWriteErrors(log.lostLines) }, now: now)
        do {
            server = try HTTPServer(
                host: config.host, port: config.port, maxBody: APIHandler.maxBody,
                connectionLimit: config.maxConnections, preflight: api.preflight, handler: api.handle)
        } catch {
            log.emit(
                "server_failed", level: "error",
                [
                    "error": .string("\(error)"), "file": .string(project.config.file), "line": .int(config.line),
                    "hint": .string("change [server] listen, or stop what uses the port"),
                ])
            return false
        }
        self.api = api
        log.emit(
            "server_started",
            [
                "listen": .string(config.host.contains(":") ? "[\(config.host)]" : config.host),
                "port": .int(Int(server?.port ?? 0)), "auth": .string(config.token == nil ? "none" : "bearer"),
            ])
        let host = config.host.contains(":") ? "[\(config.host)]" : config.host
        let local = "http://\(host == "0.0.0.0" ? "127.0.0.1" : host == "[::]" ? "[::1]" : host):\(server?.port ?? 0)/"
        log.say(
            "the dashboard and API: \(config.publicURL.map { $0 + "/" } ?? local)"
                + (config.token == nil
                    ? "" : " (open /?token=TOKEN once to sign in; the API takes Authorization: Bearer)"))
        return true
    }
}

/// A text one side writes and others read from any thread (the metrics the API serves).
final class SharedText: Sendable {
    private let text = Mutex("")
    var value: String { text.withLock { $0 } }
    func set(_ value: String) { text.withLock { $0 = value } }
}

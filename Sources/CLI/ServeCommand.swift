import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// `serve`: the scheduler, until SIGINT or SIGTERM.
enum ServeCommand {
    static let spec = CommandSpec(
        name: "serve", usage: "warehouse-sync [--project DIR] serve",
        summary: "run every enabled model on its schedule, until SIGINT or SIGTERM",
        details: """
            Logs one JSON line per event on stderr. Reloads the config and models on SIGHUP and when
            they change; an invalid edit is logged with file:line and the last valid version keeps
            running. SIGTERM/SIGINT cancel the queries in flight and exit 0 within 10 seconds.
            """)

    static let command = Command(spec: spec) { _, env in
        let project = try env.loadProject()
        // The variables of [server] and [alerts] are needed here only.
        if !project.config.serveOnlyProblems.isEmpty { throw ProjectErrors(project.config.serveOnlyProblems) }
        // A log reader that stops reading (a full pipe) must not stop the scheduler.
        env.console.writeErrorsInTheBackground()
        let log = EventLog(console: env.console, now: env.context.now)
        let service = try await SchedulerService(
            project: project, environment: env.context.environment, log: log, now: env.context.now)
        let status = await service.run()
        env.console.flushErrors(within: 1)
        return status
    }
}

import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// `status [--json] [--check]`: per model its schedule, last run and next due time.
enum StatusCommand {
    static let spec = CommandSpec(
        name: "status", usage: "warehouse-sync [--project DIR] status [--json] [--check]",
        summary: "show each model's schedule, last run, next due time and whether it is running",
        details: """
            --check exits 1 when the scheduler has no heartbeat in the store for 5 minutes or a model failed its
            last 3 runs. It judges the running service: a config or model edit that does not validate is a
            warning (serve keeps running its last valid version), and no warehouse password is needed.
            """,
        flags: ["--json", "--check"])

    static let command = Command(spec: spec) { args, env in
        let (project, projectProblems) = try env.loadProjectForReading()
        if !projectProblems.isEmpty {
            env.console.error(
                "warning: the project does not validate (\(projectProblems.count) "
                    + "problem\(projectProblems.count == 1 ? "" : "s"), "
                    + "first: \(projectProblems[0])); a running serve keeps its last valid version. Run warehouse-sync "
                    + "validate"
            )
        }
        let location = project.storeLocation
        let now = env.context.now()
        let names = project.models.map(\.name)
        let (states, recent, heartbeat) = try await runBlocking { _ -> ([ModelState], [String: [RunRecord]], Date?) in
            let store = try location.open(readingOnly: true)
            var recent: [String: [RunRecord]] = [:]
            // Skipped runs (a tick during a run, a shutdown) say nothing of health: look past them.
            for name in names { recent[name] = try store.runs(model: name, limit: 50).filter { $0.status != .skipped } }
            return (try store.modelStates(), recent, try store.lastHeartbeat())
        }
        var report = StatusReport.make(project: project, states: states, recent: recent, heartbeat: heartbeat, now: now)
        report.projectProblems = projectProblems.map(\.description)
        if args.has("--json") {
            env.console.json(report)
        } else {
            let rows = report.models.map { m in
                [
                    m.model, m.enabled ? m.schedule : "disabled",
                    m.lastRun.map { "\($0.status) \(formatInstant($0.startedAt))" } ?? "never",
                    m.nextDue.map(formatInstant) ?? "-", m.running ? "running" : "",
                ]
            }
            env.console.print(TextTable.render(header: ["MODEL", "SCHEDULE", "LAST RUN", "NEXT DUE", ""], rows: rows))
            if args.has("--check") { for problem in report.problems { env.console.error("unhealthy: \(problem)") } }
        }
        return args.has("--check") && !report.healthy ? ExitStatus.runFailed : ExitStatus.success
    }
}

/// What `status` shows, and what `status --check` judges.
struct StatusReport: Encodable {
    struct ModelStatus: Encodable {
        var model: String
        var schedule: String
        var timezone: String
        var enabled: Bool
        var lastRun: RunRecord?
        var lastSuccessAt: Date?
        var nextDue: Date?
        var running: Bool
        enum CodingKeys: String, CodingKey {
            case model, schedule, timezone, enabled, running
            case lastRun = "last_run"
            case lastSuccessAt = "last_success_at"
            case nextDue = "next_due"
        }
    }

    var models: [ModelStatus]
    var heartbeatAt: Date?
    var healthy: Bool
    var problems: [String]
    /// What does not validate in the config and models now (warnings: the service keeps its last valid version).
    var projectProblems: [String] = []

    enum CodingKeys: String, CodingKey {
        case models, healthy, problems
        case projectProblems = "project_problems"
        case heartbeatAt = "scheduler_heartbeat_at"
    }

    static let heartbeatLimit: TimeInterval = 300
    static let failedRunsLimit = 3

    static func make(project: Project, states: [ModelState], recent: [String: [RunRecord]], heartbeat: Date?, now: Date)
        -> StatusReport
    {
        var problems: [String] = []
        let byName = Dictionary(states.map { ($0.model, $0) }, uniquingKeysWith: { a, _ in a })
        let models = project.models.map { model -> ModelStatus in
            let state = byName[model.name]
            let zone = model.timezone ?? project.config.timezone
            let runs = recent[model.name] ?? []
            if runs.count >= failedRunsLimit && runs.prefix(failedRunsLimit).allSatisfy({ $0.status == .failed }) {
                problems.append("model \(model.name) failed its last \(failedRunsLimit) runs: \(runs[0].error ?? "")")
            }
            let next =
                model.enabled
                ? SchedulerDecisions.nextDue(
                    schedule: model.schedule, timeZone: zone, lastFire: state?.lastFireAt, now: now) : nil
            return ModelStatus(
                model: model.name, schedule: model.schedule.description, timezone: zone.displayName,
                enabled: model.enabled,
                lastRun: runs.first, lastSuccessAt: state?.lastSuccessAt, nextDue: next,
                running: (state?.leaseExpiresAt).map { $0 > now } ?? false
                    && !(state?.leaseHolder.map(LeaseKeeper.isDeadLocalProcess(holder:)) ?? false))
        }
        let scheduled = project.models.contains { $0.enabled && $0.schedule != .manual }
        if scheduled {
            if let heartbeat {
                if now.timeIntervalSince(heartbeat) > heartbeatLimit {
                    problems.append(
                        "the scheduler's last heartbeat was at \(formatInstant(heartbeat)), over 5 minutes ago")
                }
            } else {
                problems.append("no scheduler has ever run against this store (warehouse-sync serve)")
            }
        }
        return StatusReport(models: models, heartbeatAt: heartbeat, healthy: problems.isEmpty, problems: problems)
    }
}

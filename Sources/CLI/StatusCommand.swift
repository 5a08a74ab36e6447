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
        var report = try await runBlocking { _ in
            try StatusReport.read(from: try location.open(readingOnly: true), project: project, now: now)
        }
        report.projectProblems = projectProblems.map(\.description)
        if args.has("--json") {
            env.console.json(report)
        } else {
            let rows = report.models.map { m in
                let zone = TimeZone(identifier: m.timezone) ?? TimeZone(identifier: "UTC")!
                return [
                    m.model, m.enabled ? "\(m.schedule) (\(m.timezone))" : "disabled",
                    m.lastRun.map { "\($0.status) \(formatInstant($0.startedAt, in: zone))" } ?? "never",
                    m.nextDue.map { formatInstant($0, in: zone) } ?? "-", m.running ? "running" : "",
                ]
            }
            env.console.print(TextTable.render(header: ["MODEL", "SCHEDULE", "LAST RUN", "NEXT DUE", ""], rows: rows))
            if args.has("--check") { for problem in report.problems { env.console.error("unhealthy: \(problem)") } }
        }
        return args.has("--check") && !report.healthy ? ExitStatus.runFailed : ExitStatus.success
    }
}

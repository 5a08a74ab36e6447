import Foundation
import SyncCore
import WarehouseSync

/// `cost [--days N] [--json]`: per model its runs, skipped runs, total and mean cost, and the
/// monthly projection from its schedule (docs/cost.md).
enum CostCommand {
    static let spec = CommandSpec(
        name: "cost", usage: "warehouse-sync [--project DIR] cost [--days N] [--json]",
        summary: "show each model's warehouse cost over the last N days (default 30) and its monthly projection",
        details: """
            --days N   the window, 1 to 366 days (default 30)
            --json     one JSON document (docs/commands.md)
            The projection is the mean cost of the runs that ran the query × the schedule's runs in 30 days;
            in money too when the source sets price_per_credit, price_per_tib or price_per_hour.
            """,
        flags: ["--json"], options: ["--days"])

    static let command = Command(spec: spec) { args, env in
        let (project, _) = try env.loadProjectForReading()
        let days = try args.integer("--days", default: 30, range: 1...366, spec: spec)
        let location = project.storeLocation
        let names = project.models.map(\.name)
        let now = env.context.now()
        let runs = try await runBlocking { _ in
            let store = try location.open(readingOnly: true)
            var runs: [String: [RunRecord]] = [:]
            for name in names { runs[name] = try store.runs(model: name, limit: 100_000) }
            return runs
        }
        let report = CostReport.make(project: project, runs: runs, days: days, now: now)
        if args.has("--json") {
            env.console.json(report)
            return ExitStatus.success
        }
        let rows = report.models.map { m -> [String] in
            let measures = m.mean.keys.sorted()
            func figures(_ values: [String: Double]) -> String {
                measures.isEmpty ? "-" : measures.map { "\($0)=\(format(values[$0] ?? 0))" }.joined(separator: " ")
            }
            return [
                m.model, "\(m.runs)", "\(m.skippedRuns)", figures(m.mean), "\(m.runsPerMonth)",
                figures(m.monthlyProjection) + (m.monthlyProjectionMoney.map { " (\(format($0)) in money)" } ?? ""),
            ]
        }
        env.console.print("the last \(days) days; projection = mean × runs in 30 days")
        env.console.print(
            TextTable.render(
                header: ["MODEL", "RUNS", "SKIPPED", "MEAN PER RUN", "RUNS/MONTH", "MONTHLY PROJECTION"], rows: rows))
        return ExitStatus.success
    }

    static func format(_ value: Double) -> String { String(format: "%.6g", value) }
}

import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// `runs [MODEL] [--limit N] [--json]`: run history, newest first.
enum RunsCommand {
    static let spec = CommandSpec(
        name: "runs", usage: "warehouse-sync [--project DIR] runs [MODEL] [--limit N] [--json]",
        summary: "show run history, newest first (default 20 runs)",
        flags: ["--json"], options: ["--limit"], positionals: 0...1)

    static let command = Command(spec: spec) { args, env in
        let (project, _) = try env.loadProjectForReading()
        let limit = try args.integer("--limit", default: 20, range: 1...100_000, spec: spec)
        if let name = args.positionals.first { _ = try project.requireModel(named: name, usage: spec.usage) }
        let location = project.storeLocation
        let model = args.positionals.first
        let runs = try await runBlocking { _ in try location.open(readingOnly: true).runs(model: model, limit: limit) }
        if args.has("--json") {
            env.console.json(["runs": runs])
            return ExitStatus.success
        }
        let rows = runs.map { r in
            [
                r.id, r.model, r.trigger.rawValue, r.status.rawValue, formatInstant(r.startedAt), "\(r.rowsRead)",
                "\(r.added)",
                "\(r.changed)", "\(r.removed)", "\(r.traitsWritten)",
                r.finishedAt.map { String(format: "%.2fs", $0.timeIntervalSince(r.startedAt)) } ?? "-",
                r.cost.map {
                    $0.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%g", $0.value))" }.joined(
                        separator: " ")
                } ?? "-",
            ]
        }
        env.console.print(
            TextTable.render(
                header: [
                    "RUN", "MODEL", "TRIGGER", "STATUS", "STARTED", "READ", "ADDED", "CHANGED", "REMOVED", "TRAITS",
                    "TIME", "COST",
                ], rows: rows))
        for r in runs where r.error != nil { env.console.print("\(r.id): \(r.error!)") }
        return ExitStatus.success
    }
}

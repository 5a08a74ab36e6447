import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// `runs [MODEL] [--limit N] [--json]`: run history, newest first; `runs show RUN` (or `runs RUN`):
/// one run, every field (docs/commands.md).
enum RunsCommand {
    static let spec = CommandSpec(
        name: "runs", usage: "warehouse-sync [--project DIR] runs [MODEL | show RUN] [--limit N] [--json]",
        summary: "show run history, newest first (default 20 runs), or one run with every field",
        details: """
            runs MODEL lists one model's runs; runs show RUN (or runs RUN) shows one run: its counts, timings,
            cost and error. A list cut at --limit says how to see more.
            """,
        flags: ["--json"], options: ["--limit"], positionals: 0...2)

    static let command = Command(spec: spec) { args, env in
        let (project, _) = try env.loadProjectForReading()
        let limit = try args.integer("--limit", default: 20, range: 1...100_000, spec: spec)
        let location = project.storeLocation
        var model: String?
        switch args.positionals.count {
        case 2:
            guard args.positionals[0] == "show" else {
                throw UsageError(message: "unexpected argument \(args.positionals[1])", usage: spec.usage)
            }
            return try await show(run: args.positionals[1], location: location, json: args.has("--json"), env: env)
        case 1 where project.model(named: args.positionals[0]) == nil:
            let id = args.positionals[0]
            if try await runBlocking({ _ in try location.open(readingOnly: true).run(id: id) }) != nil {
                return try await show(run: id, location: location, json: args.has("--json"), env: env)
            }
            _ = try project.requireModel(named: id, usage: spec.usage)
        case 1:
            model = args.positionals[0]
        default:
            break
        }
        let fetched = try await runBlocking { [model] _ in
            try location.open(readingOnly: true).runs(model: model, limit: limit + 1)
        }
        let runs = Array(fetched.prefix(limit))
        if args.has("--json") {
            env.console.json(["runs": runs])
        } else {
            env.console.print(table(runs))
            for r in runs where r.error != nil { env.console.print("\(r.id): \(r.error!)") }
        }
        if fetched.count > limit {
            env.console.error("(the newest \(limit) run\(limit == 1 ? "" : "s"); --limit N shows more)")
        }
        return ExitStatus.success
    }

    static func table(_ runs: [RunRecord]) -> String {
        let rows = runs.map { r in
            [
                r.id, r.model, r.trigger.rawValue, r.status.rawValue, formatInstant(r.startedAt), "\(r.rowsRead)",
                "\(r.added)", "\(r.changed)", "\(r.removed)", "\(r.invalid)", "\(r.traitsWritten)",
                r.finishedAt.map { String(format: "%.2fs", $0.timeIntervalSince(r.startedAt)) } ?? "-",
                cost(r),
            ]
        }
        return TextTable.render(
            header: [
                "RUN", "MODEL", "TRIGGER", "STATUS", "STARTED", "READ", "ADDED", "CHANGED", "REMOVED", "INVALID",
                "TRAITS", "TIME", "COST",
            ], rows: rows)
    }

    static func cost(_ run: RunRecord) -> String {
        run.displayFields.first { $0.name == "cost" }?.text ?? "-"
    }

    /// One run, field by field, in `RunRecord.fields` order; `--json` is the run as `runs --json` has it.
    static func show(run id: String, location: StoreLocation, json: Bool, env: CommandEnvironment) async throws
        -> Int32
    {
        let found = try await runBlocking { _ -> (RunRecord, [InvalidRow])? in
            let store = try location.open(readingOnly: true)
            return try store.run(id: id).map { ($0, try store.invalidRows(run: id)) }
        }
        guard let (run, invalidRows) = found else {
            throw UsageError(message: "no run \(id); warehouse-sync runs lists them", usage: spec.usage)
        }
        if json {
            env.console.json(RunDetail(run: run, invalidRows: invalidRows))
            return ExitStatus.success
        }
        env.console.print(
            TextTable.render(header: ["FIELD", "VALUE"], rows: run.displayFields.map { [$0.name, $0.text] }))
        if !invalidRows.isEmpty {
            env.console.print(
                "\n\(run.invalid) row\(run.invalid == 1 ? "" : "s") not synced"
                    + (run.invalid > invalidRows.count ? " (the first \(invalidRows.count) were kept)" : "") + ":")
            for row in invalidRows { env.console.print("  \(InvalidRow.describe(row))") }
        }
        return ExitStatus.success
    }
}

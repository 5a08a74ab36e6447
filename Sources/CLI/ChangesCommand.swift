import Foundation
import SyncCore
import WarehouseSync

/// `changes [--model M] [--run RUN] [--key K] [--since ISO8601] [--limit N] [--json]`: the change
/// log, newest run first.
enum ChangesCommand {
    static let spec = CommandSpec(
        name: "changes",
        usage:
            "warehouse-sync [--project DIR] changes [--model M] [--run RUN] [--key K] [--since ISO8601] [--limit N] "
            + "[--json]",
        summary: "show the change log: each trait a run changed, with its old and new value (default 100 rows)",
        flags: ["--json"], options: ["--model", "--run", "--key", "--since", "--limit"])

    static let command = Command(spec: spec) { args, env in
        let (project, _) = try env.loadProjectForReading()
        var query = ChangeQuery(
            model: args.option("--model"), run: args.option("--run"), key: args.option("--key"),
            limit: try args.integer("--limit", default: 100, range: 1...1_000_000, spec: spec) + 1)
        if let since = args.option("--since") {
            guard let date = parseInstant(since) else {
                throw UsageError(
                    message: "invalid --since \"\(since)\": write an ISO 8601 instant such as 2026-03-01T12:00:00Z "
                        + "or a date such as 2026-03-01", usage: spec.usage)
            }
            query.since = date
        }
        let location = project.storeLocation
        // One more than asked: whether the list is cut.
        let fetched = try await runBlocking { [query] _ in try location.open(readingOnly: true).changes(query) }
        let changes = Array(fetched.prefix(query.limit - 1))
        if args.has("--json") {
            env.console.print(ReportJSON.changes(changes))
        } else {
            let rows = changes.map { [$0.run, $0.model, $0.key, $0.trait, $0.old ?? "-", $0.new ?? "-", $0.at] }
            env.console.print(
                TextTable.render(header: ["RUN", "MODEL", "KEY", "TRAIT", "OLD", "NEW", "AT"], rows: rows))
        }
        if fetched.count > changes.count {
            env.console.error(
                "(the newest \(changes.count) change\(changes.count == 1 ? "" : "s"); --limit N shows more, --model, "
                    + "--run, --key or --since fewer)")
        }
        return ExitStatus.success
    }
}

import Foundation
import SyncCore
import WarehouseSync

/// `revert RUN [--dry-run] [--force] [--json]`: puts back what a run changed, as a new run.
enum RevertCommand {
    static let spec = CommandSpec(
        name: "revert", usage: "warehouse-sync [--project DIR] revert RUN [--dry-run] [--force] [--json]",
        summary: "put back the old value of every trait a run changed, as a new run (trigger revert)",
        details: """
            Traits a later run changed again are listed and nothing is reverted (exit 1), unless --force.
            The model's snapshot rows for those keys are restored too, so the next sync writes what the
            warehouse says now. --dry-run shows what would be reverted and writes nothing.
            """,
        flags: ["--dry-run", "--force", "--json"], positionals: 1...1)

    static let command = Command(spec: spec) { args, env in
        let project = try env.loadProject()
        let target = args.positionals[0]
        let (force, dryRun) = (args.has("--force"), args.has("--dry-run"))
        let outcome = try await runBlocking { _ in
            try RevertRunner(project: project).revert(target, force: force, dryRun: dryRun)
        }
        let refused = !outcome.conflicts.isEmpty && !force
        if args.has("--json") {
            env.console.print(json(outcome, target: target, dryRun: dryRun))
        } else {
            print(outcome, target: target, dryRun: dryRun, refused: refused, console: env.console)
        }
        return refused ? ExitStatus.runFailed : ExitStatus.success
    }

    static func print(_ outcome: RevertOutcome, target: String, dryRun: Bool, refused: Bool, console: Console) {
        if refused {
            console.error(
                "error: model \(outcome.model): run \(target) was not reverted: \(outcome.conflicts.count) of its "
                    + "traits were changed again by later runs; nothing was written")
            console.print(
                TextTable.render(
                    header: ["KEY", "TRAIT", "LATER RUN"],
                    rows: outcome.conflicts.map { [$0.key, $0.trait, $0.laterRun] }))
            console.error("  hint: revert the later runs first (newest first), or pass --force to put these back too")
            return
        }
        let verb = dryRun ? "would put back" : "put back"
        let run = outcome.record.map { " as run \($0.id)" } ?? ""
        let profiles = Set(outcome.entries.map(\.key)).count
        console.print(
            "model \(outcome.model): \(verb) \(outcome.entries.count) traits of \(profiles) profiles "
                + "that run \(target) changed\(run)")
        console.print(
            TextTable.render(
                header: ["KEY", "TRAIT", "NOW", "BACK TO"],
                rows: outcome.entries.map { [$0.key, $0.trait, $0.old ?? "-", $0.new ?? "(unset)"] }))
    }

    /// `{"revert": {"run", "model", "dry_run", "reverted_as", "changes": [...], "conflicts": [...]}}`.
    static func json(_ outcome: RevertOutcome, target: String, dryRun: Bool) -> String {
        var out: [UInt8] = Array("{\"revert\":{\"run\":".utf8)
        appendJSONString(target, to: &out)
        out += Array(",\"model\":".utf8)
        appendJSONString(outcome.model, to: &out)
        out += Array(",\"dry_run\":\(dryRun),\"reverted_as\":".utf8)
        if let id = outcome.record?.id { appendJSONString(id, to: &out) } else { out += Array("null".utf8) }
        out += Array(",\"changes\":[".utf8)
        for (i, entry) in outcome.entries.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONFields.object(
                [
                    ("key", .string(entry.key)), ("trait", .string(entry.trait)), ("old", .raw(entry.old)),
                    ("new", .raw(entry.new)),
                ], to: &out)
        }
        out += Array("],\"conflicts\":[".utf8)
        for (i, conflict) in outcome.conflicts.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONFields.object(
                [
                    ("key", .string(conflict.key)), ("trait", .string(conflict.trait)),
                    ("later_run", .string(conflict.laterRun)),
                ], to: &out)
        }
        out += Array("]}}".utf8)
        return String(decoding: out, as: UTF8.self)
    }
}

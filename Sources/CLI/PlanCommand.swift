import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// `plan MODEL... | --all [--out FILE|DIR] [--json]`: the same as `sync --dry-run`, and the saved plans.
enum PlanCommand {
    static let spec = CommandSpec(
        name: "plan",
        usage:
            "warehouse-sync [--project DIR] plan MODEL... | --all [--out FILE|DIR] [--force] [--accept-schema] "
            + "[--json]",
        summary: "show what a sync of the models would change, writing nothing (sync --dry-run)",
        details: """
            --all       every enabled model
            --out FILE  also save the plan (the model file's digest, the snapshot's run, the change
                        set's digest, counts, up to 100 samples) for sync MODEL --plan FILE; with several
                        models, --out DIR saves DIR/MODEL.json for each
            --force, --accept-schema  show the plan as a sync with these flags would run it
            --json      one JSON document on stdout, as sync --json (docs/commands.md)
            Exit status 0 when every plan was made (a sync that would be held says so in its
            error and the saved plan's held), 1 when a query failed.
            """,
        flags: ["--json", "--force", "--accept-schema", "--all"], options: ["--out"], positionals: 0...1000)

    static let command = Command(spec: spec) { args, env in
        let project = try env.loadProject()
        let models = try SyncCommand.selected(args, project: project, spec: spec)
        var options = SyncOptions(dryRun: true, force: args.has("--force"), acceptSchema: args.has("--accept-schema"))
        let out = args.option("--out").map(env.resolve)
        options.savePlan = out != nil
        if let out, models.count > 1 {
            // Several plans go into a directory, made when it does not exist yet.
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) && !isDirectory.boolValue {
                throw UsageError(
                    message: "with several models, --out names a directory for one MODEL.json each, and \(out) is a "
                        + "file", usage: spec.usage)
            }
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw UsageError(
                    message: "cannot create the directory \(out): \(error.localizedDescription)", usage: spec.usage)
            }
        }
        if !args.has("--json") {
            // What each dbt reference reads: the query that runs is the resolved one (docs/dbt.md).
            for model in models {
                for line in model.dbtReads?.split(separator: "\n") ?? [] { env.console.print("\(model.name): \(line)") }
            }
        }
        let saved = PlanBox()
        var status = await SyncCommand.runModels(
            models, project: project, options: options, json: args.has("--json"), env: env
        ) { outcome in if let plan = outcome.plan { saved.plans.append(plan) } }
        if let out {
            for plan in saved.plans {
                let path = models.count > 1 ? (out as NSString).appendingPathComponent("\(plan.model).json") : out
                do {
                    try PrivateFiles.writeAtomically(Data(plan.json.utf8), to: path, mode: PrivateFiles.groupReadable)
                } catch {
                    env.console.error(
                        "error: cannot write the plan to \(path): \(error)\n  hint: write it to a directory that "
                            + "exists and that you may write, e.g. --out plan.json")
                    status = ExitStatus.runFailed
                }
            }
        }
        return status
    }

    /// The plan the run made, handed out of the run's callback.
    private final class PlanBox: @unchecked Sendable {  // written on this task, read after
        var plans: [SavedPlan] = []
    }
}

import Foundation
import Stores
import SyncCore
import WarehouseSync

extension SyncCommand {
    /// `sync --after-dbt FILE` (docs/dbt.md): from a dbt invocation's `run_results.json`, runs the
    /// models whose refs it built successfully and records those whose refs failed or were skipped
    /// as skipped runs (`run.upstream_failed`) with the reason. Exit status 1 when a dbt node a model
    /// refs failed or was skipped (dbt skips what is downstream of a failure), or when a run failed or
    /// was held.
    /// - Throws: `ProjectErrors` when the file cannot be read or is not dbt's run results.
    static func afterDbt(path: String, args: ParsedArguments, project: Project, env: CommandEnvironment)
        async throws -> Int32
    {
        let results = try readRunResults(at: path)
        let statuses = results.statuses
        var toRun: [Model] = []
        var skipped: [(Model, String)] = []
        for model in project.models where model.enabled && !model.dbtNodes.isEmpty {
            switch DbtAfterRun.decide(nodes: model.dbtNodes, statuses: statuses) {
            case .run: toRun.append(model)
            case .skip(let reason, _): skipped.append((model, reason))
            case .notInRun: continue
            }
        }
        let options = SyncOptions(
            trigger: .manual, full: args.has("--full"), dryRun: args.has("--dry-run"), force: args.has("--force"),
            waitForLease: args.has("--wait"), acceptSchema: args.has("--accept-schema"))
        var preceding: [RunResult] = []
        if !skipped.isEmpty {
            let now = env.context.now()
            let records = skipped.map { model, reason in
                var record = RunRecord(
                    id: RunRecord.newID(at: now), model: model.name, source: model.source ?? "", trigger: .manual,
                    status: .skipped, startedAt: now)
                record.finishedAt = now
                record.error = reason
                record.errorCode = RunRecord.Codes.upstreamFailed
                record.reads = model.dbtReads
                return record
            }
            if !options.dryRun {
                let location = project.storeLocation
                try await runBlocking { _ in
                    let store = try location.open()
                    for record in records { try store.record(record) }
                }
            }
            preceding = records.map { record in
                var result = RunResult(model: record.model, error: record.error ?? "")
                result.status = RunRecord.Status.skipped.rawValue
                result.run = options.dryRun ? nil : record.id
                return result
            }
        }
        if toRun.isEmpty && preceding.isEmpty && !args.has("--json") {
            env.console.error("no model refs a dbt node that \(path) built: nothing to run")
            return ExitStatus.success
        }
        let status = await runModels(
            toRun, project: project, options: options, json: args.has("--json"), env: env, preceding: preceding)
        if !options.dryRun && !args.has("--no-deliver") {
            await deliver(toRun, project: project, json: args.has("--json"), env: env)
        }
        return skipped.isEmpty ? status : max(status, ExitStatus.runFailed)
    }
}

/// Reads dbt's run results at `path`.
/// - Throws: `ProjectErrors` naming the path when it is missing or not run results (exit status 2).
func readRunResults(at path: String) throws(ProjectErrors) -> DbtRunResults {
    let hint = "give the run_results.json that dbt run or dbt build wrote in the dbt project's target/"
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ProjectErrors([ProjectError(file: path, "cannot read dbt's run results", hint: hint, code: .file)])
    }
    do {
        return try DbtRunResults.decode(data)
    } catch {
        throw ProjectErrors([ProjectError(file: path, "not dbt's run_results.json: \(error)", hint: hint, code: .file)])
    }
}

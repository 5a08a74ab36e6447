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
        if let warning = results.versionWarning { env.console.error("warning: \(path): \(warning)") }
        if let warning = foreignRunResultsWarning(results, path: path, project: project) {
            env.console.error("warning: \(warning)")
        }
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
/// - Throws: `ProjectErrors` naming the path when it is missing, a directory, unreadable, not run
///   results (the JSON path and what is wrong there) or older than dbt 1.0's (exit status 2).
func readRunResults(at path: String) throws(ProjectErrors) -> DbtRunResults {
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    guard exists, !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
        let (reason, hint) =
            !exists
            ? (
                "it does not exist",
                "run dbt run or dbt build in the dbt project first: each writes target/run_results.json there; "
                    + "give that file's path"
            )
            : isDirectory.boolValue
                ? ("it is a directory", "give the run_results.json file in it, such as target/run_results.json")
                : (String(cString: strerror(errno)), "check the file's permissions")
        throw ProjectErrors([
            ProjectError(file: path, "cannot read dbt's run results: \(reason)", hint: hint, code: .file)
        ])
    }
    do {
        return try DbtRunResults.decode(data)
    } catch {
        throw ProjectErrors([
            ProjectError(file: path, "not dbt's run_results.json: \(error.message)", hint: error.hint, code: .file)
        ])
    }
}

/// The warning for run results none of whose nodes the project's manifest has (another dbt
/// project's, or a stale manifest), or nil.
func foreignRunResultsWarning(_ results: DbtRunResults, path: String, project: Project) -> String? {
    guard !results.results.isEmpty, let dbt = project.config.dbt,
        let manifest = try? Project.readManifest(dbt.manifestURL(in: project.directory), config: project.config)
    else { return nil }
    let known = results.results.contains { manifest.nodes[$0.uniqueID] != nil || manifest.sources[$0.uniqueID] != nil }
    guard !known else { return nil }
    let count = results.results.count
    return (count == 1 ? "the one dbt node in \(path) is not" : "none of the \(count) dbt nodes in \(path) is")
        + " in the manifest "
        + "\(dbt.manifestURL(in: project.directory).path)\(manifest.projectName.map { " (dbt project \($0))" } ?? ""): "
        + "the file is likely from another dbt project, or the manifest is stale; give the run_results.json of the "
        + "dbt project in [dbt] project_dir, or run dbt parse there"
}

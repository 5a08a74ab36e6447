import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// `sync MODEL... | --all [--full] [--dry-run] [--force] [--json]`.
enum SyncCommand {
    static let spec = CommandSpec(
        name: "sync",
        usage:
            "warehouse-sync [--project DIR] sync MODEL... | --all | --after-dbt RUN_RESULTS [--full] [--dry-run] "
            + "[--force] [--accept-schema] [--plan FILE] [--wait] [--no-deliver] [--json]",
        summary: "run models now: diff each against its last snapshot and write only the changes",
        details: """
            --all       every enabled model
            --full      resend every trait of every row
            --dry-run   read and diff, write nothing; show counts and up to 10 sample changes
            --force     let a run held by max_removed or max_changed through
            --accept-schema  apply a result whose shape changed (a dropped trait, a type
                        moved out of its family, a renamed key), as -- schema: evolve does
            --plan FILE apply MODEL only if nothing moved since plan MODEL --out FILE: the
                        model file, the snapshot's run and the change set; otherwise exit 1
                        naming what moved, writing nothing
            --wait      when the model is running elsewhere (serve, another sync), wait for it to
                        finish instead of refusing with exit status 1
            --no-deliver  leave the runs' changes in the outbox for serve (or deliver); by default
                        sync delivers them to the models' destinations, each for up to its
                        delivery_timeout, before it returns
            --after-dbt FILE  instead of naming models: after a dbt invocation, run the models that
                        ref a dbt node it built successfully, and record those whose refs failed or
                        were skipped as skipped (FILE is dbt's target/run_results.json; docs/dbt.md)
            --json      one JSON document on stdout (docs/commands.md shows its shape)
            Exit status 1 when a run failed or was held, or with --after-dbt when a dbt node a
            model refs failed; 2 for a usage, config or model error; delivery never changes it.
            """,
        flags: ["--all", "--full", "--dry-run", "--force", "--json", "--wait", "--no-deliver", "--accept-schema"],
        options: ["--plan", "--after-dbt"], positionals: 0...1000)

    static let command = Command(spec: spec) { args, env in
        let project = try env.loadProject()
        if let path = args.option("--after-dbt") {
            guard args.positionals.isEmpty, !args.has("--all"), args.option("--plan") == nil else {
                throw UsageError(
                    message: "--after-dbt picks the models itself: give no model names, --all or --plan",
                    usage: spec.usage)
            }
            return try await afterDbt(path: env.resolve(path), args: args, project: project, env: env)
        }
        let models = try selected(args, project: project, spec: spec)
        var options = SyncOptions(
            trigger: .manual, full: args.has("--full"), dryRun: args.has("--dry-run"), force: args.has("--force"),
            waitForLease: args.has("--wait"), acceptSchema: args.has("--accept-schema"))
        if let path = args.option("--plan") {
            guard models.count == 1, !args.has("--all"), !options.dryRun, !options.full else {
                throw UsageError(
                    message:
                        "--plan applies one model's saved plan: give one model, without --all, --dry-run or --full",
                    usage: spec.usage)
            }
            do {
                options.plan = try SavedPlan.read(path: env.resolve(path), model: models[0].name)
            } catch let error as SyncError {
                throw UsageError(message: describe(error, of: models[0]), usage: spec.usage)
            }
        }
        let status = await runModels(models, project: project, options: options, json: args.has("--json"), env: env)
        if !options.dryRun && !args.has("--no-deliver") {
            await deliver(models, project: project, json: args.has("--json"), env: env)
        }
        return status
    }

    /// The models named on the command line, or with `--all` every enabled one.
    static func selected(_ args: ParsedArguments, project: Project, spec: CommandSpec) throws -> [Model] {
        if args.has("--all") {
            guard args.positionals.isEmpty else {
                throw UsageError(message: "give model names or --all, not both", usage: spec.usage)
            }
            return project.models.filter(\.enabled)
        }
        guard !args.positionals.isEmpty else {
            throw UsageError(message: "name the models, or pass --all", usage: spec.usage)
        }
        return try args.positionals.map { try project.requireModel(named: $0, usage: spec.usage) }
    }

    /// Delivers what the runs queued; a failure here is reported and left to `serve` or `deliver`,
    /// never the run's exit status (the commit succeeded).
    static func deliver(_ models: [Model], project: Project, json: Bool, env: CommandEnvironment) async {
        let runner = DeliveryRunner(project: project)
        let destinations = runner.destinations(of: models)
        guard !destinations.isEmpty else { return }
        let log = EventLog(console: env.console, now: env.context.now)
        do {
            let reports = try await runBlocking { _ in try runner.deliver(destinations) }
            for report in reports where report.requests > 0 || report.backingOffUntil != nil {
                var fields: [String: EventField] = [
                    "destination": .string(report.destination), "delivered": .int(report.delivered),
                    "dead": .int(report.dead), "failed_requests": .int(report.failedRequests),
                ]
                if let until = report.backingOffUntil { fields["backing_off_until"] = .string(formatInstant(until)) }
                if let error = report.lastError { fields["error"] = .string(error) }
                if json || !env.console.isTerminal {
                    log.emit(
                        "delivered", level: report.backingOffUntil == nil && report.dead == 0 ? "info" : "warn", fields)
                } else {
                    env.console.error(
                        "\(report.destination): delivered \(report.delivered) changes"
                            + (report.dead > 0 ? ", \(report.dead) dead (warehouse-sync deliveries)" : "")
                            + (report.backingOffUntil.map {
                                "; the rest is queued, retried after \(formatInstant($0)) (\(report.lastError ?? ""))"
                            } ?? ""))
                }
            }
        } catch {
            log.emit(
                "delivery_failed", level: "error",
                ["error": .string(project.secrets.redact("\(error)")), "hint": .string("run warehouse-sync deliver")])
        }
    }

    /// Runs `models` one after another and prints the summary; 1 if any failed or was held.
    /// - Parameter preceding: results to show first (runs recorded without running), not judged.
    static func runModels(
        _ models: [Model], project: Project, options: SyncOptions, json: Bool, env: CommandEnvironment,
        preceding: [RunResult] = [], finished: (SyncOutcome) -> Void = { _ in }
    ) async -> Int32 {
        let console = env.console
        let line = ProgressLine(console: console)
        let log = EventLog(console: console, now: env.context.now)
        let runner = SyncRunner(project: project) { line.update($0) }
        var results: [RunResult] = preceding
        let interrupt = Interrupt()
        defer { interrupt.stop() }
        var stopped: String?  // the model whose run an interrupt stopped
        for model in models where !interrupt.happened {
            if !console.isTerminal && !json {
                log.emit("run_started", ["model": .string(model.name), "trigger": .string(options.trigger.rawValue)])
            }
            let now = env.context.now
            do {
                let outcome = try await runBlocking(token: interrupt.token) { token in
                    try runner.run(model, options: options, token: token, now: now)
                }
                line.clear()
                finished(outcome)
                results.append(RunResult(outcome: outcome))
                if !console.isTerminal && !json {
                    // A plan is no run: it has no id in the history, and says what it would write.
                    var fields = RunFields.of(outcome.record)
                    if outcome.dryRun { fields["run"] = nil }
                    log.emit(
                        outcome.dryRun
                            ? "plan_finished" : outcome.record.status == .blocked ? "run_blocked" : "run_finished",
                        fields)
                }
            } catch {
                line.clear()
                if interrupt.happened {
                    stopped = model.name
                    break
                }
                results.append(RunResult(model: model.name, error: describe(error, of: model)))
                // On a terminal the summary says it; elsewhere each event is a JSON line.
                if !json && !console.isTerminal {
                    log.emit(
                        "run_failed", level: "error", ["model": .string(model.name), "error": .string("\(error)")])
                }
            }
        }
        if interrupt.happened {
            let rest = models.count - (results.count - preceding.count) - (stopped == nil ? 0 : 1)
            console.error(
                "interrupted: "
                    + (stopped.map { "the run of \($0) was stopped before it committed; nothing of it was written" }
                        ?? "the run of \(results.last?.model ?? "?") had already committed (shown below)")
                    + (rest > 0 ? "; \(rest) model\(rest == 1 ? "" : "s") did not run" : "")
                    + (stopped != nil && !results.isEmpty
                        ? " (the \(results.count) run\(results.count == 1 ? "" : "s") before it finished as shown)"
                        : ""))
            if !results.isEmpty {
                json ? console.json(SyncReport(runs: results)) : printSummary(results, console: console)
            }
            return Interrupt.exitStatus
        }
        if json {
            console.json(SyncReport(runs: results))
        } else {
            printSummary(results, console: console)
        }
        // A run skipped because its sources did not change succeeded at doing nothing.
        return results.dropFirst(preceding.count).allSatisfy {
            $0.status == "succeeded" || $0.error == SyncRunner.unchangedReason
        }
            ? ExitStatus.success : ExitStatus.runFailed
    }

    /// Invalid rows a sync prints; `runs show RUN` lists all the run kept.
    static let invalidRowsShown = 10

    /// A failed run's error with where to look: a warehouse's SQL error names the model file and
    /// how to check it; a run's own errors already name the model.
    static func describe(_ error: any Error, of model: Model) -> String {
        let text = describeFailure(error, of: model)
        guard let remedy = (error as? any ReportedError)?.remedy else { return text }
        return text + "\n  run: " + remedy.commandLine(after: ["sync", model.name])
    }

    private static func describeFailure(_ error: any Error, of model: Model) -> String {
        guard let failure = error as? ConnectorError, failure.code == .query else { return "\(error)" }
        // A located error names the file, line and column already.
        return (failure.message.hasPrefix(model.file + ":") ? "\(failure)" : "\(model.file): \(failure)")
            + (failure.hint == nil
                ? "\n  hint: run the model's query in a SQL client on source \(model.source ?? "?"); "
                    + "warehouse-sync validate --connect checks every model without fetching rows" : "")
    }

    static func printSummary(_ results: [RunResult], console: Console) {
        let rows = results.map { r -> [String] in
            [
                r.model, r.dryRun ? "plan" : r.status, "\(r.rowsRead)", "\(r.added)", "\(r.changed)", "\(r.removed)",
                "\(r.unchanged)",
                "\(r.invalid)", "\(r.traitsWritten)",
                r.durationMs.map { String(format: "%.2fs", Double($0) / 1000) } ?? "-",
            ]
        }
        console.print(
            TextTable.render(
                header: [
                    "MODEL", "STATUS", "READ", "ADDED", "CHANGED", "REMOVED", "UNCHANGED", "INVALID", "TRAITS", "TIME",
                ], rows: rows))
        for r in results {
            if let error = r.error {
                // A run's own errors already begin with "model NAME:"; say the name once.
                let prefix = "model \(r.model): "
                console.print(
                    "\n\(r.model): " + (error.hasPrefix(prefix) ? String(error.dropFirst(prefix.count)) : error))
            }
            if !r.newTraits.isEmpty {
                console.print(
                    "\n\(r.model): new trait\(r.newTraits.count == 1 ? "" : "s"): "
                        + r.newTraits.joined(separator: ", ")
                )
            }
            if r.dryRun && !r.drift.isEmpty {
                console.print("\n\(r.model): the result's schema changed since the snapshot:")
                for line in r.drift { console.print("  \(line)") }
            }
            if !r.invalidRows.isEmpty {
                let shown = r.invalidRows.prefix(Self.invalidRowsShown)
                let more = r.invalid > shown.count
                let rest = r.run.map { "; all: warehouse-sync runs show \($0)" } ?? ""
                console.print(
                    "\n\(r.model): \(r.invalid) row\(r.invalid == 1 ? "" : "s") not synced"
                        + (more ? " (the first \(shown.count) shown\(rest))" : "") + ":")
                for row in shown { console.print("  \(InvalidRow.describe(row))") }
            }
            if r.dryRun && !r.samples.isEmpty {
                console.print("\n\(r.model): sample changes (key, trait, old → new)")
                for s in r.samples { console.print("  \(s.key)  \(s.trait)  \(s.old ?? "∅") → \(s.new ?? "∅")") }
            }
        }
    }
}

/// One model's result in `sync --json`.
struct RunResult: Encodable {
    var model: String
    var run: String?
    var status: String
    var dryRun = false
    var rowsRead = 0, invalid = 0, added = 0, changed = 0, removed = 0, unchanged = 0, traitsWritten = 0
    var queryMs: Int64?, fetchMs: Int64?, durationMs: Int64?, bytesReceived: Int?
    var cost: [String: Double]?
    var error: String?
    var samples: [SampleChange] = []
    var invalidRows: [InvalidRow] = []
    /// What a held run or a plan would have written (nothing was).
    var would: DiffCounts?
    /// How the result's shape moved since the snapshot, one line each.
    var drift: [String] = []
    /// Traits the result has that the snapshot had not.
    var newTraits: [String] = []

    init(outcome: SyncOutcome) {
        let r = outcome.record
        model = r.model
        run = outcome.dryRun ? nil : r.id
        status = r.status.rawValue
        dryRun = outcome.dryRun
        rowsRead = r.rowsRead
        invalid = r.invalid
        added = r.added
        changed = r.changed
        removed = r.removed
        unchanged = r.unchanged
        traitsWritten = r.traitsWritten
        queryMs = r.queryMs
        fetchMs = r.fetchMs
        bytesReceived = r.bytesReceived
        cost = r.cost
        durationMs = r.finishedAt.map { Int64($0.timeIntervalSince(r.startedAt) * 1000) }
        error = r.status == .blocked || r.status == .skipped ? r.error : (outcome.dryRun ? outcome.blockedMessage : nil)
        samples = outcome.dryRun ? outcome.samples : []
        invalidRows = outcome.invalidRows
        would = outcome.wouldWrite
        drift = outcome.drift?.lines ?? []
        newTraits = outcome.drift?.newTraits ?? []
    }

    init(model: String, error: String) {
        self.model = model
        self.status = "failed"
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case model, run, status, invalid, added, changed, removed, unchanged, cost, error, samples, would, drift
        case newTraits = "new_traits"
        case invalidRows = "invalid_rows"
        case dryRun = "dry_run"
        case rowsRead = "rows_read"
        case traitsWritten = "traits_written"
        case queryMs = "query_ms"
        case fetchMs = "fetch_ms"
        case durationMs = "duration_ms"
        case bytesReceived = "bytes_received"
    }
}

struct SyncReport: Encodable {
    var runs: [RunResult]
}

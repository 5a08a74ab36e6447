import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// `validate [--connect]`: checks the config and every model, reporting every problem.
enum ValidateCommand {
    static let spec = CommandSpec(
        name: "validate",
        usage: "warehouse-sync [--project DIR] validate [--connect [--strict]] [--dbt-manifest PATH]",
        summary: "check the config and all models; --connect also compiles each model on its warehouse",
        details: """
            Every problem is reported with file:line and what to do; exit status 2 when any is found.
            --connect opens each source and compiles each model without fetching its rows, and checks
            that the key and trait columns exist, then runs the least-privilege check (warehouse-sync grants)
            and prints its warnings; with --strict each warning is an error (exit status 2), so CI can
            require a role that can do no more than read what the models read. It also compares each
            model's columns with the store's last snapshot and warns of schema drift the next run
            would hold (an error with --strict, unless the model says -- schema: evolve).
            --dbt-manifest PATH  also check the models' dbt refs against another state of the dbt
            project (a pull request's manifest.json, written by dbt parse): a ref or source that is
            gone, a relation that moved, a column a model selects that is no longer documented
            (docs/dbt.md).
            """,
        flags: ["--connect", "--strict"], options: ["--dbt-manifest"])

    static let command = Command(spec: spec) { args, env in
        let project = try env.loadProject()
        for problem in project.config.serveOnlyProblems { env.console.error("warning: \(problem)") }
        var problems: [ProjectError] = []
        if args.has("--strict") && !args.has("--connect") {
            throw UsageError(message: "--strict needs --connect", usage: spec.usage)
        }
        if args.has("--connect") {
            let compiled: [(Model, [Column])]
            let notes: [String]
            (problems, compiled, notes) = await compileAll(project)
            for note in notes { env.console.error("note: \(note)") }
            if problems.isEmpty {
                for problem in await driftWarnings(project, compiled) {
                    if args.has("--strict") && problem.held {
                        problems.append(problem.error)
                    } else {
                        env.console.error("warning: \(problem.error)")
                    }
                }

                let reports = try await GrantsCommand.check(project, grantee: GrantsCommand.defaultGrantee)
                for report in reports {
                    let source = project.config.sources[report.source]
                    for warning in report.warnings {
                        if args.has("--strict") {
                            problems.append(
                                ProjectError(
                                    file: project.config.file, line: source?.line,
                                    "source \(report.source): \(warning.message)",
                                    hint: "give the source a role with only the GRANTs warehouse-sync grants prints",
                                    code: .warehouse))
                        } else {
                            env.console.error(
                                "warning: \(project.config.file):\(source?.line ?? 1): source \(report.source): "
                                    + "\(warning.message)"
                            )
                        }
                    }
                }
            }
        }
        if let path = args.option("--dbt-manifest") {
            problems += try dbtBreaks(project, otherManifest: env.resolve(path), usage: spec.usage)
        }
        var metricsProblems: [ProjectError] = []
        if let metrics = project.metricsPath {
            let directory = (metrics as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
                metricsProblems.append(
                    ProjectError(
                        file: project.config.file, line: project.config.metricsFileLine,
                        "[scheduler] metrics_file: the directory \(directory) does not exist",
                        hint: "create it, or point metrics_file at a directory that exists", code: .reference))
            }
        }
        problems += metricsProblems
        if !problems.isEmpty { throw ProjectErrors(problems) }
        let enabled = project.models.filter(\.enabled).count
        env.console.print(
            "ok: \(project.models.count) model\(project.models.count == 1 ? "" : "s") (\(enabled) enabled), "
                + "\(project.config.sources.count) "
                + "source\(project.config.sources.count == 1 ? "" : "s")"
                + (args.has("--connect") ? ", all compiled" : "")
                + (args.option("--dbt-manifest") != nil ? ", no break against \(args.option("--dbt-manifest")!)" : "")
        )
        return ExitStatus.success
    }

    /// Each compiled model's schema drift against the store's last snapshot (docs/drift-and-plans.md), with
    /// whether its next run would be held; one warning when the store cannot be read.
    static func driftWarnings(_ project: Project, _ compiled: [(Model, [Column])]) async -> [(
        error: ProjectError, held: Bool
    )] {
        let location = project.storeLocation
        guard !compiled.isEmpty, !location.isMissingFile else { return [] }
        let snapshots: [String: SnapshotInfo]
        do {
            snapshots = try await runBlocking { _ in
                let store = try location.open(readingOnly: true)
                var found: [String: SnapshotInfo] = [:]
                for (model, _) in compiled { found[model.name] = try store.snapshotInfo(model: model.name) }
                return found
            }
        } catch {
            return [
                (
                    ProjectError(
                        file: project.config.file, "schema drift not checked: cannot read the store: \(error)",
                        code: .reference), false
                )
            ]
        }
        return compiled.compactMap { model, columns in
            guard let previous = snapshots[model.name]?.schema else { return nil }
            let drift = SchemaDrift(previous: previous, current: ResultSchema(model: model, columns: columns))
            guard !drift.isEmpty else { return nil }
            let held = model.schemaPolicy == .hold
            return (
                ProjectError(
                    file: model.file, line: model.headerEndLine + 1,
                    "model \(model.name): \(drift.summary)"
                        + (held ? "; its next run will be held" : " (schema: evolve applies it)"),
                    hint: held
                        ? "if the new shape is intended, add -- schema: evolve, or run sync \(model.name) "
                            + "--accept-schema "
                            + "once after merging" : nil, code: .warehouse), held
            )
        }
    }

    /// Opens every source and compiles every model on it; returns the problems found, each
    /// compiled model's columns, and a note for each model whose unchanged runs are never skipped.
    static func compileAll(_ project: Project) async -> ([ProjectError], [(Model, [Column])], [String]) {
        let directory = project.directory
        let sources = project.config.sources
        let models = project.models
        let configFile = project.config.file
        return
            (try? await runBlocking { _ in
                var problems: [ProjectError] = []
                var written: [(Model, [String])] = []
                var compiled: [(Model, [Column])] = []
                var notes: [String] = []
                for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
                    let handle: any Warehouse
                    do { handle = try source.open(projectDirectory: directory) } catch {
                        // The driver's hint, where it has one, is the hint: said once.
                        let said =
                            (error as? ConnectorError).map { error in
                                var error = error
                                error.hint = nil
                                return "\(error)"
                            } ?? "\(error)"
                        problems.append(
                            ProjectError(
                                file: configFile, line: source.line, "cannot open source \(name): \(said)",
                                hint: (error as? ConnectorError)?.hint
                                    ?? "check the source's url/odbc/path and credentials", code: .warehouse))
                        continue
                    }
                    for model in models where model.source == name {
                        do {
                            let columns = try handle.compile(model.sql, options: QueryOptions(timeout: .seconds(60)))
                            let names = columns.map(\.name)
                            problems += checkColumns(model, names)
                            compiled.append((model, columns))
                            var seen: Set<String> = []
                            written.append(
                                (model, model.traitNames(columns: names).filter { seen.insert($0).inserted }))
                            if let problem = scratchSchemaProblem(model, source: source, on: handle) {
                                problems.append(problem)
                            }
                            if let reason = neverSkipped(model, on: handle) {
                                notes.append(
                                    "\(model.file):\(model.headerEndLine + 1): model \(model.name) is never skipped "
                                        + "when its sources are unchanged: \(reason) (-- skip_unchanged: false says so)"
                                )
                            }
                        } catch let error as ConnectorError
                            where [.connectionFailed, .connectionLost].contains(error.code)
                        {
                            problems.append(
                                ProjectError(
                                    file: configFile, line: source.line,
                                    "cannot connect to source \(name) to compile model \(model.name): \(error.message)",
                                    hint: error.hint
                                        ?? "check the source's address and credentials (docs/warehouses.md)",
                                    code: .warehouse))
                            break
                        } catch let error as ConnectorError {
                            let location = error.position.flatMap {
                                SQLErrorLocation.of(position: $0, sent: model.sql, model: model)
                            }
                            problems.append(
                                ProjectError(
                                    file: model.file, line: location?.line ?? model.headerEndLine + 1,
                                    "the warehouse rejected model \(model.name)"
                                        + (location.map { " at column \($0.column)" } ?? "") + ": \(error.message)"
                                        + (error.sqlState.map { " (SQLSTATE \($0))" } ?? ""),
                                    hint: error.hint
                                        ?? "run the query in a SQL client against source \(name) to see the problem",
                                    code: .warehouse))
                        } catch {
                            problems.append(
                                ProjectError(file: model.file, "model \(model.name): \(error)", code: .warehouse))
                        }
                    }
                }
                return (problems + Project.traitConflicts(written), compiled, notes)
            }) ?? ([], [], [])
    }

    /// For a `-- diff: warehouse` model: an error when the source's scratch schema is not there for the
    /// session's role (docs/warehouse-diff.md); nil when it is, or when the warehouse refuses the
    /// catalog query (an emulator without it), which leaves it unchecked.
    static func scratchSchemaProblem(_ model: Model, source: SourceConfig, on warehouse: any Warehouse) -> ProjectError?
    {
        guard model.diffMode == .warehouse, let schema = source.scratchSchema, let dialect = warehouse.diffDialect,
            let row = try? warehouse.connection.collectFirstRow(
                dialect.schemaCount(schema), options: QueryOptions(timeout: .seconds(60)))
        else { return nil }
        let count: Int? =
            switch row.first {
            case .int(let n): Int(n)
            case .decimal(let text), .text(let text): Int(text)
            default: nil
            }
        guard count == 0 else { return nil }
        return ProjectError(
            file: model.file, line: model.headerLines["diff"],
            "model \(model.name): source \(source.name)'s scratch_schema \(schema) does not exist, or its role "
                + "has no privilege on it",
            hint: "create it and grant the role USAGE and CREATE on it only (docs/warehouse-diff.md)", code: .warehouse)
    }

    /// Why the model's unchanged runs are never skipped, where it asks to be and its warehouse can
    /// skip but its probe cannot judge this query (docs/cost.md); nil otherwise, or when the probe fails.
    static func neverSkipped(_ model: Model, on warehouse: any Warehouse) -> String? {
        guard model.skipUnchanged, warehouse.kind.capabilities.contains(.skipsUnchanged) else { return nil }
        let probe = try? warehouse.probe(
            model.sql, model: model.name, previousRun: nil, probeSources: true,
            options: QueryOptions(timeout: .seconds(60)))
        return probe?.neverSkipped.map { String($0.prefix { $0 != "\n" }) }
    }

    static func checkColumns(_ model: Model, _ columns: [String]) -> [ProjectError] {
        var problems: [ProjectError] = []
        if let problem = ResultColumns.problem(columns) {
            problems.append(
                ProjectError(
                    file: model.file, line: model.headerEndLine + 1, problem,
                    hint: "give each column of the query its own name with AS, e.g. a.score AS app_score",
                    code: .warehouse))
        }
        if !columns.contains(model.key) {
            problems.append(
                ProjectError(
                    file: model.file, line: model.headerLines["key"], "key column \(model.key) is not in the result",
                    hint: "the result's columns are \(columns.joined(separator: ", "))", code: .warehouse))
        }
        for trait in model.traits ?? [] where !columns.contains(trait) {
            problems.append(
                ProjectError(
                    file: model.file, line: model.headerLines["traits"], "trait \(trait) is not a column of the result",
                    hint: "the result's columns are \(columns.joined(separator: ", "))", code: .warehouse))
        }
        if model.kind == .traits && model.traits == nil && columns.filter({ $0 != model.key }).isEmpty {
            problems.append(
                ProjectError(
                    file: model.file, line: model.headerEndLine + 1,
                    "model \(model.name) returns no trait columns besides its key",
                    hint: "select at least one more column, or use -- kind: segment", code: .warehouse))
        }
        return problems
    }
}

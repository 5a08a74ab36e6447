import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

/// A user's project: the config and every model, read from one directory and checked together.
public struct Project: Sendable {
    public var directory: URL
    public var config: ProjectConfig
    /// Models by name, sorted by name.
    public var models: [Model]
    /// What is odd but not wrong (a dbt manifest newer than WarehouseSync was tested with), for
    /// commands to show on stderr.
    public var warnings: [String] = []
    /// Blanks this project's secrets (passwords and tokens of the store and every source) out of text.
    public var secrets: SecretRedactor { config.secrets }

    public static let configFileName = "warehouse-sync.toml"
    public static let modelsDirectoryName = "models"

    public func model(named name: String) -> Model? { models.first { $0.name == name } }

    /// Where `serve` writes metrics: `[scheduler] metrics_file`, a relative path taken from the
    /// project directory like every other path (not from the process's working directory).
    public var metricsPath: String? {
        config.metricsFile.map { $0.hasPrefix("/") ? $0 : directory.appendingPathComponent($0).path }
    }

    /// The store the config names, relative paths taken from the project directory.
    public var storeLocation: StoreLocation { StoreLocation(url: config.storeURL, projectDirectory: directory) }

    /// Reads and checks the project in `directory`; every problem in every file is reported.
    /// - Throws: `ProjectErrors`.
    public static func load(directory: URL, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ProjectErrors) -> Project
    {
        var errors: [ProjectError] = []
        let configURL = directory.appendingPathComponent(configFileName)
        let configName = configFileName
        var config: ProjectConfig?
        if let text = try? String(contentsOf: configURL, encoding: .utf8) {
            do { config = try ProjectConfig.load(text: text, file: configName, environment: environment) } catch {
                errors += error.errors
            }
        } else {
            errors.append(
                FileProblem.of(
                    configURL, file: configName,
                    missingHint: "run in the project directory, or give the project's directory"))
        }
        var models: [Model] = []
        var warnings: [String] = []
        let modelsURL = directory.appendingPathComponent(modelsDirectoryName)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: modelsURL.path)) ?? []).filter {
            $0.hasSuffix(".sql")
        }.sorted()
        if files.isEmpty {
            errors.append(
                ProjectError(
                    file: modelsDirectoryName, "no model files (*.sql) in \(modelsURL.path)",
                    hint: "add one SQL file per model under models/"))
        }
        for file in files {
            let relative = "\(modelsDirectoryName)/\(file)"
            guard let text = try? String(contentsOf: modelsURL.appendingPathComponent(file), encoding: .utf8) else {
                errors.append(
                    FileProblem.of(
                        modelsURL.appendingPathComponent(file), file: relative,
                        missingHint: "the file was removed while it was read"))
                continue
            }
            do {
                var model = try Model.parse(text: text, file: relative) { config?.conventions(of: $0) ?? .postgres }
                model.fileDigest = XXH3Digest.hex(of: text)
                models.append(model)
            } catch { errors += error.errors }
        }
        if let config {
            errors += resolveSources(&models, config)
            for (_, source) in config.sources.sorted(by: { $0.key < $1.key }) {
                errors += source.settingsProblems(projectDirectory: directory, configFile: configName)
            }
            errors += resolveDbt(&models, config, directory: directory, warnings: &warnings)
        }
        errors += traitConflicts(models.map { ($0, $0.traitNames(columns: [])) }).filter { _ in true }
        errors += dependencyProblems(models)
        guard errors.isEmpty, let config else { throw ProjectErrors(errors) }
        return Project(directory: directory, config: config, models: models, warnings: warnings)
    }

    /// The project as far as it can be read, for commands that need only the store (`runs`,
    /// `status`, `profile`): the config without the sources in error (an unset password variable
    /// does not matter here), and the models that parse. The problems are returned, not thrown.
    /// - Throws: `ProjectErrors` only when the store itself cannot be known.
    public static func loadForReading(directory: URL, environment: [String: String]) throws(ProjectErrors) -> (
        Project, [ProjectError]
    ) {
        do {
            return (try load(directory: directory, environment: environment), [])
        } catch let strict {
            let configURL = directory.appendingPathComponent(configFileName)
            guard let text = try? String(contentsOf: configURL, encoding: .utf8) else { throw strict }
            let (config, _) = ProjectConfig.loadCollecting(text: text, file: configFileName, environment: environment)
            guard let config else { throw strict }
            let modelsURL = directory.appendingPathComponent(modelsDirectoryName)
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: modelsURL.path)) ?? []).filter {
                $0.hasSuffix(".sql")
            }.sorted()
            var models: [Model] = []
            for file in files {
                guard let text = try? String(contentsOf: modelsURL.appendingPathComponent(file), encoding: .utf8),
                    let model = try? Model.parse(text: text, file: "\(modelsDirectoryName)/\(file)")
                else { continue }
                models.append(model)
            }
            _ = resolveSources(&models, config)
            return (Project(directory: directory, config: config, models: models), strict.errors)
        }
    }

    /// Fills in each model's source and checks that it and its destinations exist.
    static func resolveSources(_ models: inout [Model], _ config: ProjectConfig) -> [ProjectError] {
        var errors: [ProjectError] = []
        for index in models.indices {
            let model = models[index]
            for destination in model.destinations where config.destinations[destination] == nil {
                errors.append(
                    unknown(
                        "destination", destination, in: "destinations", known: Array(config.destinations.keys), model,
                        line: model.headerLines["destinations"]))
            }
            if let budget = model.budget,
                let kind = (model.source ?? config.sources.keys.first).flatMap({
                    config.sources[$0]?.kind
                }), !kind.budgetUnits.contains(budget.unit)
            {
                errors.append(
                    ProjectError(
                        file: model.file, line: model.headerLines["budget"],
                        "budget \(budget) is not a unit that \(kind.name) sources have",
                        hint: WarehouseKind.budgetUnitsHint))
            }
            if model.diffMode == .warehouse,
                let source = (model.source ?? config.sources.keys.first).flatMap({ config.sources[$0] })
            {
                if !source.kind.capabilities.contains(.warehouseDiff) {
                    let kinds = WarehouseKind.all.filter { $0.capabilities.contains(.warehouseDiff) }.map(\.name)
                    errors.append(
                        ProjectError(
                            file: model.file, line: model.headerLines["diff"],
                            "diff: warehouse needs a \(kinds.dropLast().joined(separator: ", ")) or "
                                + "\(kinds.last ?? "") source; source \(source.name) is \(source.kind.name)",
                            hint: "use -- diff: client for this model"))
                } else if source.scratchSchema == nil {
                    errors.append(
                        ProjectError(
                            file: model.file, line: model.headerLines["diff"],
                            "diff: warehouse needs a scratch schema, and source \(source.name) has none",
                            hint:
                                "add scratch_schema = \"warehouse_sync\" to [sources.\(source.name)] and grant the "
                                + "role CREATE and USAGE on that schema only (docs/warehouse-diff.md)"))
                }
            }
            if let source = model.source {
                if config.sources[source] == nil {
                    errors.append(
                        unknown(
                            "source", source, in: "sources", known: Array(config.sources.keys), model,
                            line: model.headerLines["source"]))
                }
            } else if config.sources.count == 1 {
                models[index].source = config.sources.keys.first
            } else {
                errors.append(
                    ProjectError(
                        file: model.file, line: 1,
                        "model \(model.name) has no source and the config has \(config.sources.count)",
                        hint: "add -- source: NAME (one of \(config.sources.keys.sorted().joined(separator: ", ")))"))
            }
        }
        return errors
    }

    /// A model header naming a source or destination the config does not have.
    private static func unknown(
        _ what: String, _ name: String, in table: String, known: [String], _ model: Model, line: Int?
    ) -> ProjectError {
        ProjectError(
            file: model.file, line: line, "\(what) \(name) is not in \(configFileName)",
            hint: known.isEmpty
                ? "add a [\(table).\(name)] table" : "the \(table) are \(known.sorted().joined(separator: ", "))",
            code: .reference)
    }

    /// Two models writing one trait name: each pair reported with both files.
    public static func traitConflicts(_ written: [(Model, [String])]) -> [ProjectError] {
        var owner: [String: Model] = [:]
        var errors: [ProjectError] = []
        for (model, traits) in written {
            for trait in traits {
                if let first = owner[trait] {
                    let line = model.kind == .segment ? 1 : model.headerLines["traits"] ?? 1
                    errors.append(
                        ProjectError(
                            file: model.file, line: line,
                            "trait \(trait) is also written by model \(first.name) "
                                + "(\(first.file):\(first.kind == .segment ? 1 : first.headerLines["traits"] ?? 1))",
                            hint:
                                "each trait has one model; rename the column (AS another_name) or drop it from one "
                                + "model"
                        ))
                } else {
                    owner[trait] = model
                }
            }
        }
        return errors
    }
}

/// Why a project file could not be read, in words: missing, not a regular file, unreadable, or not UTF-8.
enum FileProblem {
    static func of(_ url: URL, file: String, missingHint: String) -> ProjectError {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            return errno == ENOENT
                ? ProjectError(file: file, "cannot read \(url.path): it does not exist", hint: missingHint, code: .file)
                : ProjectError(
                    file: file, "cannot read \(url.path): \(reason)", hint: "check the path and its permissions",
                    code: .file)
        }
        if (info.st_mode & S_IFMT) != S_IFREG {
            return ProjectError(
                file: file, "\(url.path) is not a regular file", hint: "replace it with a text file", code: .file)
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return ProjectError(
                file: file, "cannot read \(url.path): \(String(cString: strerror(errno)))",
                hint: "check the file's permissions", code: .file)
        }
        _ = data
        return ProjectError(
            file: file, "the file is not UTF-8 text", hint: "save it as UTF-8 (with LF or CRLF line ends)", code: .file)
    }
}

import Connectors
import Foundation
import SyncCore

extension ProjectConfig {
    /// How the warehouse of source `name` (nil: the one source) reads strings and comments.
    func conventions(of name: String?) -> SQLConventions {
        let source = name.map { sources[$0] } ?? (sources.count == 1 ? sources.values.first : nil)
        return source?.kind.dialect.conventions ?? .postgres
    }
}

extension Project {
    /// Resolves every model's `{{ ref(...) }}` and `{{ source(...) }}` through the `[dbt]` manifest
    /// (docs/dbt.md): each becomes its node's relation, quoted for the model's source, in `sql`; the
    /// nodes' unique ids go to `dbtNodes`. Returns every problem: no `[dbt]` table, no manifest, a
    /// name the manifest does not have (at the model file's line, with the closest names).
    /// - Parameter warnings: gets a warning when the manifest is newer than WarehouseSync was tested with.
    static func resolveDbt(
        _ models: inout [Model], _ config: ProjectConfig, directory: URL, warnings: inout [String]
    ) -> [ProjectError] {
        guard models.contains(where: { $0.dbtTemplate != nil }) else { return [] }
        guard let dbt = config.dbt else {
            return models.compactMap { model in
                model.dbtTemplate.map { template in
                    ProjectError(
                        file: model.file, line: template.references.first?.line,
                        "model \(model.name) uses \(template.references[0]) but \(configFileName) has no [dbt] table",
                        hint: "add [dbt] with project_dir = \"../analytics\" (the dbt project's directory), "
                            + "then run dbt parse there", code: .reference)
                }
            }
        }
        let manifest: DbtManifest
        do {
            manifest = try readManifest(dbt.manifestURL(in: directory), config: config)
        } catch { return [error] }
        if let warning = manifest.versionWarning {
            warnings.append("\(dbt.manifestURL(in: directory).path): \(warning)")
        }
        var errors: [ProjectError] = []
        for index in models.indices {
            guard let template = models[index].dbtTemplate else { continue }
            let model = models[index]
            let dialect = model.source.flatMap { config.sources[$0]?.kind.dialect } ?? StandardDialect()
            var relations: [DbtReference: String] = [:]
            var nodes: Set<String> = []
            for reference in template.references {
                switch manifest.resolve(reference) {
                case .found(let node):
                    relations[reference] = node.relation { dialect.quote(identifier: $0) }
                    nodes.insert(node.uniqueID)
                case .missing(let message, let hint):
                    errors.append(
                        ProjectError(
                            file: model.file, line: reference.line, "model \(model.name): \(message)", hint: hint,
                            code: .reference))
                }
            }
            models[index].sql = template.rendered { relations[$0] ?? $0.description }
            if let line = unreplacedTemplateLine(models[index], conventions: config.conventions(of: model.source)) {
                errors.append(
                    ProjectError(
                        file: model.file, line: line,
                        "model \(model.name): the query still holds a Jinja template after its dbt references "
                            + "were replaced",
                        hint: "write {{ ref() }} and {{ source() }} only outside strings "
                            + "and comments", code: .syntax))
            }
            models[index].dbtNodes = nodes.sorted()
            models[index].dbtRelations = template.references.compactMap { reference in
                relations[reference].map { (reference.description, $0) }
            }
        }
        return errors
    }

    /// The model file's line of a `{{`, `{%` or `{#` left outside strings and comments of the
    /// resolved query, read as the source's warehouse reads it; nil when none is (always, unless
    /// the references were found under other conventions). No such query is ever sent.
    static func unreplacedTemplateLine(_ model: Model, conventions: SQLConventions) -> Int? {
        guard case .success(let template) = DbtTemplate.scan(model.sql, firstLine: 0, conventions: conventions) else {
            return model.dbtTemplate?.references.first?.line
        }
        guard let first = template.references.first else { return nil }
        return model.headerEndLine + 1 + first.line
    }

    /// Reads and decodes a dbt manifest.
    /// - Throws: `ProjectError` (code `project.file`) when it is missing (the hint says to run
    ///   dbt parse), a directory, unreadable, not a dbt manifest (the JSON path and what is wrong
    ///   there) or older than dbt 1.3's.
    public static func readManifest(_ url: URL, config: ProjectConfig) throws(ProjectError) -> DbtManifest {
        let line = config.dbt?.line
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        guard exists, !isDirectory.boolValue, let data = FileManager.default.contents(atPath: url.path) else {
            let (reason, hint) =
                !exists
                ? (
                    "it does not exist",
                    "run `dbt parse` (or dbt compile) in the dbt project to write target/manifest.json, or set "
                        + "[dbt] manifest to where it is"
                )
                : isDirectory.boolValue
                    ? ("it is a directory", "set [dbt] manifest to the file, such as target/manifest.json")
                    : ("\(String(cString: strerror(errno)))", "check the file's permissions")
            throw ProjectError(
                file: config.file, line: line, "cannot read the dbt manifest \(url.path): \(reason)", hint: hint,
                code: .file)
        }
        do {
            return try DbtManifest.decode(data)
        } catch {
            throw ProjectError(
                file: config.file, line: line,
                "\(url.path) is not a dbt manifest WarehouseSync can read: "
                    + error.message, hint: error.hint, code: .file)
        }
    }
}

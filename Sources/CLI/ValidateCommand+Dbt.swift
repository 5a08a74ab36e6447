import Foundation
import SyncCore
import WarehouseSync

extension ValidateCommand {
    /// `validate --dbt-manifest PATH`: each model's breaks against another state's manifest
    /// (`DbtManifestCheck`), resolved here through the project's own manifest.
    /// - Throws: `UsageError` without a `[dbt]` table; `ProjectErrors` when a manifest cannot be read.
    static func dbtBreaks(_ project: Project, otherManifest path: String, usage: String) throws -> [ProjectError] {
        guard let dbt = project.config.dbt else {
            throw UsageError(
                message: "--dbt-manifest checks the models' dbt refs, and \(Project.configFileName) has no [dbt] "
                    + "table", usage: usage)
        }
        let current: DbtManifest
        do {
            current = try Project.readManifest(dbt.manifestURL(in: project.directory), config: project.config)
        } catch { throw ProjectErrors([error]) }
        let other: DbtManifest
        do {
            other = try Project.readManifest(URL(fileURLWithPath: path), config: project.config)
        } catch {
            throw ProjectErrors([
                ProjectError(
                    file: path, "cannot use the other manifest: \(error.message)",
                    hint: "run dbt parse on the other branch's checkout and give its target/manifest.json", code: .file)
            ])
        }
        return project.models.flatMap {
            DbtManifestCheck.breaks(of: $0, current: current, other: other, otherName: path)
        }
    }
}

import Foundation
import SyncCore
import WarehouseSync

/// `dbt exposures [--out FILE]`: the models as dbt exposures (docs/dbt.md).
enum DbtCommand {
    static let spec = CommandSpec(
        name: "dbt", usage: "warehouse-sync [--project DIR] dbt exposures [--out FILE]",
        summary: "write a dbt YAML file with one exposure per model, for the dbt project's lineage",
        details: """
            exposures   one exposure per model (type: application), depending on the model's refs and
                        sources, owned by [dbt] owner_name/owner_email, linked to [server] public_url;
                        sorted and without timestamps, so the file changes only when the models do
            --out FILE  write the file (put it in the dbt project, e.g. models/warehouse_sync_exposures.yml)
                        instead of printing it
            """,
        options: ["--out"], positionals: 1...1)

    static let command = Command(spec: spec) { args, env in
        guard args.positionals == ["exposures"] else {
            throw UsageError(
                message: "unknown dbt command \(args.positionals[0]); the one is exposures", usage: spec.usage)
        }
        let project = try env.loadProject()
        let yaml = DbtExposures(
            exposures: project.models.map {
                DbtExposures.Exposure(name: $0.name, file: $0.file, references: $0.dbtTemplate?.references ?? [])
            },
            ownerName: project.config.dbt?.ownerName, ownerEmail: project.config.dbt?.ownerEmail,
            url: project.config.server?.publicURL
        ).yaml
        guard let out = args.option("--out") else {
            env.console.print(String(yaml.dropLast()))
            return ExitStatus.success
        }
        let path = env.resolve(out)
        do {
            try PrivateFiles.writeAtomically(Data(yaml.utf8), to: path, mode: PrivateFiles.groupReadable)
        } catch {
            env.console.error(
                "error: cannot write the exposures to \(path): \(error)\n  hint: write it into a directory that "
                    + "exists and that you may write, such as the dbt project's models/")
            return ExitStatus.runFailed
        }
        env.console.error("wrote \(project.models.count) exposure\(project.models.count == 1 ? "" : "s") to \(path)")
        return ExitStatus.success
    }
}

import Drivers
import Foundation
import SyncCore
import WarehouseSync

/// `init [DIR]`: a new project with the example models and the embedded demo warehouse, ready
/// for `sync --all` (docs/commands.md).
enum InitCommand {
    static let spec = CommandSpec(
        name: "init", usage: "warehouse-sync init [DIR]",
        summary: "create a project with example models over an embedded demo warehouse (SQLite)",
        details: """
            DIR (default: the current directory) is created if needed; it must hold no warehouse-sync.toml
            and no models/ yet. It gets warehouse-sync.toml, three models in models/, and the demo warehouse
            in .warehouse-sync/demo-warehouse.db. Then: cd DIR && warehouse-sync sync --all
            """,
        positionals: 0...1)

    static let command = Command(spec: spec) { args, env in
        let directory =
            args.positionals.first.map(env.context.directory) ?? env.projectDirectory
        let manager = FileManager.default
        for existing in ["warehouse-sync.toml", "models"]
        where manager.fileExists(atPath: directory.appendingPathComponent(existing).path) {
            throw UsageError(
                message: "\(directory.path) already has \(existing): init makes a new project and overwrites nothing",
                usage: "warehouse-sync init NEW_DIR")
        }
        do {
            try manager.createDirectory(
                at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
            try manager.createDirectory(
                at: directory.appendingPathComponent(".warehouse-sync"), withIntermediateDirectories: true)
            for file in DemoProject.files {
                try Data((file.text + "\n").utf8).write(
                    to: directory.appendingPathComponent(file.path), options: .withoutOverwriting)
            }
            let warehouse = directory.appendingPathComponent(".warehouse-sync/demo-warehouse.db").path
            try SQLiteDatabase(path: warehouse, create: true).execute(DemoProject.warehouseSQL)
        } catch {
            throw FileError(
                path: directory.path,
                "cannot create the project in \(directory.path): \(error.localizedDescription); choose a directory "
                    + "this user can write", errno: 0)
        }
        env.console.print("created the project \(directory.path): warehouse-sync.toml, models/ (3 models)")
        env.console.print("and the demo warehouse .warehouse-sync/demo-warehouse.db (5,000 customers)")
        env.console.print("next: cd \(args.positionals.first ?? ".") && warehouse-sync sync --all")
        return ExitStatus.success
    }
}

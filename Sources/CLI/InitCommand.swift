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
        if args.positionals.first?.isEmpty == true {
            throw UsageError(
                message: "init needs a directory name, or none for the current directory", usage: spec.usage)
        }
        let directory = args.positionals.first.map(env.context.directory) ?? env.projectDirectory
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory.path, isDirectory: &isDirectory) && !isDirectory.boolValue {
            throw UsageError(message: "\(directory.path) is a file, not a directory", usage: spec.usage)
        }
        for existing in [
            "warehouse-sync.toml", "models", ".warehouse-sync/state.db", ".warehouse-sync/demo-warehouse.db",
        ] where manager.fileExists(atPath: directory.appendingPathComponent(existing).path) {
            throw UsageError(
                message: "\(directory.path) already has \(existing): init makes a new project and overwrites nothing",
                usage: "warehouse-sync init NEW_DIR")
        }
        let state = directory.appendingPathComponent(".warehouse-sync")
        if manager.fileExists(atPath: state.path, isDirectory: &isDirectory) && !isDirectory.boolValue {
            throw UsageError(message: "\(state.path) is a file; init keeps its store there", usage: spec.usage)
        }
        var made: [URL] = []  // removed again when a later step fails: nothing half-made is left
        do {
            for path in [directory, state, directory.appendingPathComponent("models")]
            where !manager.fileExists(atPath: path.path) {
                try manager.createDirectory(at: path, withIntermediateDirectories: true)
                made.append(path)
            }
            for file in DemoProject.files {
                let url = directory.appendingPathComponent(file.path)
                try Data((file.text + "\n").utf8).write(to: url, options: .withoutOverwriting)
                made.append(url)
            }
            let warehouse = state.appendingPathComponent("demo-warehouse.db")
            made.append(warehouse)
            try SQLiteDatabase(path: warehouse.path, create: true).execute(DemoProject.warehouseSQL)
        } catch {
            for url in made.reversed() { try? manager.removeItem(at: url) }
            throw FileError(
                path: directory.path,
                "cannot create the project in \(directory.path): \(error); nothing was left behind", errno: 0)
        }
        env.console.print("created the project \(directory.path): warehouse-sync.toml, models/ (3 models)")
        env.console.print("and the demo warehouse .warehouse-sync/demo-warehouse.db (5,000 customers)")
        env.console.print("next: cd \(shellQuoted(args.positionals.first ?? ".")) && warehouse-sync sync --all")
        return ExitStatus.success
    }
}

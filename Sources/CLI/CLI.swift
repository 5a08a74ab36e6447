import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// Everything a command needs from the outside world, injectable for tests.
public struct CLIContext: Sendable {
    public var arguments: [String]
    public var environment: [String: String]
    public var currentDirectory: URL
    public var console: Console
    public var now: @Sendable () -> Date

    public init(
        arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        console: Console = .standard(), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.arguments = arguments
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.console = console
        self.now = now
    }
}

extension CLIContext {
    /// A directory named on the command line: absolute, or taken from the working directory.
    func directory(_ path: String) -> URL {
        (path.hasPrefix("/") ? URL(fileURLWithPath: path) : currentDirectory.appendingPathComponent(path))
            .standardizedFileURL
    }
}

/// One command of the tool: its arguments and what it does.
struct Command: Sendable {
    var spec: CommandSpec
    var run: @Sendable (ParsedArguments, CommandEnvironment) async throws -> Int32
}

/// What a running command sees: the context and the project directory chosen by `--project`.
struct CommandEnvironment: Sendable {
    var context: CLIContext
    var projectDirectory: URL
    var console: Console { context.console }

    /// Loads what the store commands need (`runs`, `status`, `profile`): the store and the models that
    /// parse; the project's other problems are returned, so a broken edit or an unset warehouse
    /// password does not stop them.
    func loadProjectForReading() throws(ProjectErrors) -> (Project, [ProjectError]) {
        let (project, problems) = try Project.loadForReading(
            directory: projectDirectory, environment: context.environment)
        console.redactor.add(project.secrets)
        return (project, problems)
    }

    /// A path given on the command line, taken from the working directory when relative.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : context.currentDirectory.appendingPathComponent(path).standardizedFileURL.path
    }

    /// Loads the project and adds its secrets to what the console blanks.
    func loadProject() throws(ProjectErrors) -> Project {
        let project = try Project.load(directory: projectDirectory, environment: context.environment)
        console.redactor.add(project.secrets)
        for warning in project.warnings { console.error("warning: \(warning)") }
        return project
    }
}

extension Project {
    /// The model named on the command line, or a usage error that lists the models.
    func requireModel(named name: String, usage: String) throws(UsageError) -> Model {
        guard let model = model(named: name) else {
            throw UsageError(
                message: "unknown model \(name); the models are \(models.map(\.name).joined(separator: ", "))",
                usage: usage)
        }
        return model
    }
}

/// The `warehouse-sync` command line.
public enum CLI {
    static let toolUsage = "warehouse-sync [--project DIR] COMMAND [ARGS]"

    static var commands: [Command] {
        [
            InitCommand.command, ValidateCommand.command, SyncCommand.command, PlanCommand.command,
            StatusCommand.command,
            RunsCommand.command, ChangesCommand.command, RevertCommand.command, DeliverCommand.command,
            DeliveriesCommand.command,
            ProfileCommand.command, ProfilesCommand.command, CostCommand.command, ScheduleCommand.command,
            ServeCommand.command,
            GrantsCommand.command, DbtCommand.command,
        ]
    }

    /// Runs one command line and returns the exit status: 1 (`runFailed`) when the command's
    /// output on stdout could not be written (a full disk, a closed pipe), whatever it did.
    public static func run(_ context: CLIContext) async -> Int32 {
        let status = await runCommand(context)
        let console = context.console
        guard console.lostOutputWrites > 0 else { return status }
        console.error(
            "error: the command's output could not be written (\(console.firstWriteError)); "
                + "what it wrote to the store is complete, but its report is not: run it again with stdout going "
                + "somewhere with room")
        return status == ExitStatus.success ? ExitStatus.runFailed : status
    }

    private static func runCommand(_ context: CLIContext) async -> Int32 {
        let console = context.console
        // Global options may stand anywhere before a `--`: `runs --project DIR` too. The value of a
        // command's own option is never one (`profiles --prefix --project` looks up "--project").
        let input = context.arguments
        let named = input.first { !$0.hasPrefix("-") }.flatMap { name in commands.first { $0.spec.name == name } }
        let valued = Set(named?.spec.options ?? [])
        var args: [String] = []
        var projectDirectory = context.currentDirectory
        var wantsVersion = false
        var index = 0
        while index < input.count {
            let arg = input[index]
            index += 1
            if arg == "--" {
                args += input[(index - 1)...]
                break
            }
            if valued.contains(arg) && index < input.count {
                args += [arg, input[index]]
                index += 1
                continue
            }
            if arg == "--version" {
                wantsVersion = true
                continue
            }
            guard arg == "--project" || arg.hasPrefix("--project=") else {
                args.append(arg)
                continue
            }
            let value: String
            if arg == "--project" {
                guard index < input.count else {
                    console.error("error: --project needs a directory\nusage: \(toolUsage)")
                    return ExitStatus.usage
                }
                value = input[index]
                index += 1
            } else {
                value = String(arg.dropFirst("--project=".count))
            }
            guard !value.isEmpty else {
                console.error("error: --project needs a directory\nusage: \(toolUsage)")
                return ExitStatus.usage
            }
            projectDirectory = context.directory(value)
        }
        if wantsVersion {
            console.print(Version.text)
            return ExitStatus.success
        }
        if args.first == "--version" || args.first == "version" {
            console.print(Version.text)
            return ExitStatus.success
        }
        if let first = args.first, first.hasPrefix("-") {
            if first == "--help" || first == "-h" {
                // `--help sync` is `help sync`.
                if args.count > 1, let command = commands.first(where: { $0.spec.name == args[1] }) {
                    console.print(commandHelp(command.spec))
                } else {
                    console.print(help())
                }
                return ExitStatus.success
            }
            console.error("error: unknown option \(first)\nusage: \(toolUsage)")
            return ExitStatus.usage
        }
        guard let name = args.first else {
            console.error(help())
            return ExitStatus.usage
        }
        if name == "help" {
            guard args.count > 1, args[1] != "help" else {
                console.print(
                    args.count > 1
                        ? "usage: warehouse-sync help [COMMAND]\n\nthe commands, or one command's options" : help())
                return ExitStatus.success
            }
            guard let command = commands.first(where: { $0.spec.name == args[1] }) else {
                console.error("error: unknown command \(args[1])\nrun warehouse-sync --help for the commands")
                return ExitStatus.usage
            }
            console.print(commandHelp(command.spec))
            return ExitStatus.success
        }
        guard let command = commands.first(where: { $0.spec.name == name }) else {
            console.error(
                "error: unknown command \(name)\nusage: \(toolUsage)\nrun warehouse-sync --help for the commands")
            return ExitStatus.usage
        }
        let rest = Array(args.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            console.print(commandHelp(command.spec))
            return ExitStatus.success
        }
        do {
            let parsed = try ParsedArguments.parse(rest, command.spec)
            return try await command.run(
                parsed, CommandEnvironment(context: context, projectDirectory: projectDirectory))
        } catch let error as UsageError {
            console.error("error: \(error)")
            return ExitStatus.usage
        } catch let error as ProjectErrors {
            for problem in error.errors { console.error("error: \(problem)") }
            console.error("\(error.errors.count) problem\(error.errors.count == 1 ? "" : "s") found")
            return ExitStatus.usage
        } catch {
            console.error("error: \(error)")
            if let remedy = (error as? any ReportedError)?.remedy {
                console.error("  run: " + remedy.commandLine(after: args))
            }
            return ExitStatus.runFailed
        }
    }

    static func help() -> String {
        var text =
            "WarehouseSync: sync warehouse models into customer profiles, writing only what changed.\n\nusage: "
            + "\(toolUsage)\n\ncommands:\n"
        let width = (commands.map(\.spec.name.count).max() ?? 0) + 2
        for command in commands {
            text +=
                "  \(command.spec.name.padding(toLength: width, withPad: " ", startingAt: 0))\(command.spec.summary)\n"
        }
        text +=
            "\noptions (anywhere on the line):\n  --project DIR  the project directory (default: the current one)\n"
            + "  --version      the version and the commit it was built from\n"
            + "  --help         this text; help COMMAND or COMMAND --help for a command's"
        return text
    }

    static func commandHelp(_ spec: CommandSpec) -> String {
        "usage: \(spec.usage)\n\n\(spec.summary)" + (spec.details.isEmpty ? "" : "\n\n\(spec.details)")
    }
}

extension Remedy {
    /// The command line that carries out the remedy, given the arguments of the command that failed.
    func commandLine(after arguments: [String]) -> String {
        switch self {
        case .listRuns(let model): return "warehouse-sync runs" + (model.map { " " + $0 } ?? "")
        case .repeatWith(let options):
            return (["warehouse-sync"] + arguments + options.filter { !arguments.contains($0) }).joined(separator: " ")
        case .sync(let model, let options): return (["warehouse-sync", "sync", model] + options).joined(separator: " ")
        case .makePlan(let model): return "warehouse-sync plan \(model) --out FILE"
        case .applyPlan(let model, let path): return "warehouse-sync sync \(model) --plan \(path)"
        }
    }
}

import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// `schedule "SCHEDULE" [--tz ZONE] [--after ISO8601] [--count N]`: the next fire times.
enum ScheduleCommand {
    static let spec = CommandSpec(
        name: "schedule",
        usage: "warehouse-sync [--project DIR] schedule [\"SCHEDULE\"] [--tz ZONE] [--after ISO8601] [--count N]",
        summary:
            "print a schedule's next fire times, one UTC ISO-8601 instant a line; without one, each model's next run",
        details: """
            SCHEDULE is any model schedule: manual, every 15m, hourly [at :MM], daily [at HH:MM],
            weekly on DAY at HH:MM, cron EXPR. --tz defaults to UTC, --after to now, --count to 5.
            """,
        options: ["--tz", "--after", "--count"], positionals: 0...1)

    static let command = Command(spec: spec) { args, env in
        let count = try args.integer("--count", default: 5, range: 1...10000, spec: spec)
        var after = env.context.now()
        if let text = args.option("--after") {
            guard let parsed = parseInstant(text) else {
                throw UsageError(
                    message: "--after takes an ISO-8601 instant such as 2024-03-31T00:00:00Z, got \(text)",
                    usage: spec.usage)
            }
            after = parsed
        }
        guard let text = args.positionals.first else {
            return try listModels(env, after: after)
        }
        let zoneName = args.option("--tz") ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw UsageError(
                message: "unknown timezone \(zoneName); use an IANA name such as Europe/Berlin", usage: spec.usage)
        }
        let schedule: Schedule
        do { schedule = try Schedule(parsing: text) } catch {
            throw UsageError(message: "\(error)", usage: spec.usage)
        }
        if case .after(let upstream) = schedule {
            env.console.print("\(schedule): runs after each successful run of \(upstream), never on the clock")
            return ExitStatus.success
        }
        var t = after
        for _ in 0..<count {
            guard let next = schedule.nextFire(after: t, in: zone) else { break }
            env.console.print(formatInstant(next))
            t = next
        }
        return ExitStatus.success
    }

    static func listModels(_ env: CommandEnvironment, after: Date) throws -> Int32 {
        let project = try env.loadProject()
        let rows = project.models.map { model -> [String] in
            let zone = model.timezone ?? project.config.timezone
            var next =
                model.enabled ? model.schedule.nextFire(after: after, in: zone).map(formatInstant) ?? "-" : "disabled"
            if model.enabled, case .after(let upstream) = model.schedule { next = "after \(upstream) succeeds" }
            return [model.name, model.schedule.description, zone.displayName, next]
        }
        env.console.print(TextTable.render(header: ["MODEL", "SCHEDULE", "TIMEZONE", "NEXT"], rows: rows))
        return ExitStatus.success
    }
}

/// Plain aligned columns for terminal output.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ")
            .replacing(/\ +$/, with: "")  // an empty last column leaves no trailing spaces
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

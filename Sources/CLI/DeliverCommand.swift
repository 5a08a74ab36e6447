import Foundation
import SyncCore
import WarehouseSync

/// `deliver [DEST] [--retry-dead] [--drop-dead]`: drains the outbox by hand.
enum DeliverCommand {
    static let spec = CommandSpec(
        name: "deliver", usage: "warehouse-sync [--project DIR] deliver [DEST] [--retry-dead | --drop-dead] [--json]",
        summary: "deliver queued changes to destinations now (each up to its delivery_timeout)",
        details: """
            --retry-dead queues the dead letters again before delivering; --drop-dead deletes them (their
            keys' later changes are then delivered). Exit status 1 when changes are still queued or dead.
            """,
        flags: ["--retry-dead", "--drop-dead", "--json"], positionals: 0...1)

    static let command = Command(spec: spec) { args, env in
        let project = try env.loadProject()
        var destinations = project.config.destinations.values.sorted { $0.name < $1.name }
        if let name = args.positionals.first {
            guard let destination = project.config.destinations[name] else {
                throw UsageError(
                    message: "no destination \(name) in \(project.config.file); the destinations are "
                        + (destinations.isEmpty ? "none" : destinations.map(\.name).joined(separator: ", ")),
                    usage: spec.usage)
            }
            destinations = [destination]
        }
        if args.has("--retry-dead") && args.has("--drop-dead") {
            throw UsageError(message: "--retry-dead and --drop-dead exclude each other", usage: spec.usage)
        }
        let runner = DeliveryRunner(project: project)
        let only = args.positionals.first
        let (retry, drop) = (args.has("--retry-dead"), args.has("--drop-dead"))
        let (reports, stats) = try await runBlocking { [destinations] _ in
            let store = try project.storeLocation.open()
            if retry { try store.retryDead(destination: only) }
            if drop { try store.dropDead(destination: only) }
            return (try runner.deliver(destinations), try runner.stats())
        }
        let shown = stats.filter { only == nil || $0.destination == only }
        if args.has("--json") {
            env.console.print(DeliveriesCommand.json(shown))
        } else {
            for report in reports {
                var line = "\(report.destination): delivered \(report.delivered), dead \(report.dead)"
                if let until = report.backingOffUntil {
                    line += "; backing off until \(formatInstant(until)) (\(report.lastError ?? "failed"))"
                }
                env.console.print(line)
            }
            env.console.print(DeliveriesCommand.table(shown))
        }
        return shown.allSatisfy { $0.pending == 0 && $0.dead == 0 } ? ExitStatus.success : ExitStatus.runFailed
    }
}

/// `deliveries [--json]`: the outbox per destination.
enum DeliveriesCommand {
    static let spec = CommandSpec(
        name: "deliveries", usage: "warehouse-sync [--project DIR] deliveries [--json]",
        summary: "show each destination's pending, delivered, retrying and dead changes",
        flags: ["--json"])

    static let command = Command(spec: spec) { args, env in
        let (project, _) = try env.loadProjectForReading()
        let stats = try await runBlocking { _ in try DeliveryRunner(project: project).stats() }
        env.console.print(args.has("--json") ? json(stats) : table(stats))
        return ExitStatus.success
    }

    static func table(_ stats: [DestinationStats]) -> String {
        var text = TextTable.render(
            header: ["DESTINATION", "PENDING", "DELIVERED", "RETRYING", "DEAD", "OLDEST PENDING", "NEXT ATTEMPT"],
            rows: stats.map {
                [
                    $0.destination, "\($0.pending)", "\($0.delivered)", "\($0.retrying)", "\($0.dead)",
                    $0.oldestPendingAt.map(formatInstant) ?? "-", $0.nextAttemptAt.map(formatInstant) ?? "-",
                ]
            })
        for stat in stats {
            if let error = stat.lastError { text += "\n\(stat.destination): last failure: \(error)" }
            for letter in stat.deadLetters {
                text +=
                    "\n\(stat.destination): dead: key \(letter.key) (model \(letter.model), run \(letter.run)): "
                    + "HTTP \(letter.status.map(String.init) ?? "-") \(letter.response ?? "")"
            }
        }
        return text
    }

    /// `{"destinations": [{"destination", "pending", "delivered", "retrying", "dead",
    /// "oldest_pending_at", "next_attempt_at", "last_error", "dead_letters": [...]}]}`.
    static func json(_ stats: [DestinationStats]) -> String {
        struct Letter: Encodable {
            var key: String, model: String, run: String, status: Int?, response: String?
        }
        struct Entry: Encodable {
            var destination: String
            var pending: Int, delivered: Int, retrying: Int, dead: Int
            var oldest_pending_at: String?, next_attempt_at: String?, last_error: String?
            var dead_letters: [Letter]
        }
        struct Report: Encodable { var destinations: [Entry] }
        let report = Report(
            destinations: stats.map { s in
                Entry(
                    destination: s.destination, pending: s.pending, delivered: s.delivered, retrying: s.retrying,
                    dead: s.dead, oldest_pending_at: s.oldestPendingAt.map(formatInstant),
                    next_attempt_at: s.nextAttemptAt.map(formatInstant), last_error: s.lastError,
                    dead_letters: s.deadLetters.map {
                        Letter(key: $0.key, model: $0.model, run: $0.run, status: $0.status, response: $0.response)
                    })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(report)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

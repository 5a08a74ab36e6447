import Foundation
import SyncCore
import WarehouseSync

/// `changes [--model M] [--run RUN] [--key K] [--since ISO8601] [--limit N] [--json]`: the change
/// log, newest run first.
enum ChangesCommand {
    static let spec = CommandSpec(
        name: "changes",
        usage:
            "warehouse-sync [--project DIR] changes [--model M] [--run RUN] [--key K] [--since ISO8601] [--limit N] "
            + "[--json]",
        summary: "show the change log: each trait a run changed, with its old and new value (default 100 rows)",
        flags: ["--json"], options: ["--model", "--run", "--key", "--since", "--limit"])

    static let command = Command(spec: spec) { args, env in
        let (project, _) = try env.loadProjectForReading()
        var query = ChangeQuery(
            model: args.option("--model"), run: args.option("--run"), key: args.option("--key"),
            limit: try args.integer("--limit", default: 100, range: 1...1_000_000, spec: spec))
        if let since = args.option("--since") {
            guard let date = parseInstant(since) else {
                throw UsageError(
                    message: "invalid --since \"\(since)\": write an ISO 8601 instant such as 2026-03-01T12:00:00Z "
                        + "or a date such as 2026-03-01", usage: spec.usage)
            }
            query.since = date
        }
        let location = project.storeLocation
        let changes = try await runBlocking { [query] _ in try location.open(readingOnly: true).changes(query) }
        if args.has("--json") {
            env.console.print(json(changes))
            return ExitStatus.success
        }
        let rows = changes.map { [$0.run, $0.model, $0.key, $0.trait, $0.old ?? "-", $0.new ?? "-", $0.at] }
        env.console.print(TextTable.render(header: ["RUN", "MODEL", "KEY", "TRAIT", "OLD", "NEW", "AT"], rows: rows))
        return ExitStatus.success
    }

    /// `{"changes": [...]}` with the old and new values spliced in as the JSON they are, so exact
    /// numerics keep every digit; an absent value is `null`.
    static func json(_ changes: [ChangeRecord]) -> String {
        var out: [UInt8] = Array("{\"changes\":[".utf8)
        for (i, change) in changes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONFields.object(
                [
                    ("run", .string(change.run)), ("model", .string(change.model)), ("key", .string(change.key)),
                    ("trait", .string(change.trait)), ("old", .raw(change.old)), ("new", .raw(change.new)),
                    ("at", .string(change.at)),
                ], to: &out)
        }
        out += Array("]}".utf8)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes a JSON object of string fields and of values that are already JSON text.
enum JSONFields {
    enum Field {
        case string(String?)
        /// JSON text spliced in as it is; nil is `null`.
        case raw(String?)
    }

    static func object(_ fields: [(String, Field)], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, (name, value)) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .string(let text?): appendJSONString(text, to: &out)
            case .raw(let json?): out += Array(json.utf8)
            case .string(nil), .raw(nil): out += Array("null".utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
    }
}

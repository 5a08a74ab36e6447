import Foundation
import Stores
import SyncCore
import WarehouseSync

/// `profiles [--prefix P] [--where TRAIT=VALUE | --has TRAIT] [--after KEY] [--limit N] [--json]`:
/// list and search profiles in key order (docs/commands.md).
enum ProfilesCommand {
    static let spec = CommandSpec(
        name: "profiles",
        usage:
            "warehouse-sync [--project DIR] profiles [--prefix P] [--where TRAIT=VALUE | --has TRAIT] [--after KEY] "
            + "[--limit N] [--json]",
        summary: "list and search profiles in key order (default 50), with their traits",
        details: """
            --prefix P          keys that begin with P
            --where TRAIT=VALUE profiles whose trait has that value: a number (10.5, 1e3), true, false,
                                null, or text; "..." in double quotes is always text ('--where zip="01234"')
            --has TRAIT         profiles that have the trait
            --after KEY         the page after KEY (a cut list names the key to pass)
            """,
        flags: ["--json"], options: ["--prefix", "--where", "--has", "--after", "--limit"])

    static let command = Command(spec: spec) { args, env in
        let (project, _) = try env.loadProjectForReading()
        var query = try Self.query(args)
        let limit = query.limit
        query.limit += 1  // one more: whether the list is cut
        let location = project.storeLocation
        let fetched = try await runBlocking { [query] _ in try location.open(readingOnly: true).profiles(query) }
        let profiles = Array(fetched.prefix(limit))
        let next = fetched.count > limit ? profiles.last?.key : nil
        if args.has("--json") {
            env.console.print(ReportJSON.profiles(profiles, nextAfter: next))
        } else {
            let rows = profiles.map { [$0.key, Self.abbreviated($0.traitsJSON), $0.updatedAt] }
            env.console.print(TextTable.render(header: ["KEY", "TRAITS", "UPDATED"], rows: rows))
        }
        if let next {
            env.console.error(
                "(the first \(limit) profile\(limit == 1 ? "" : "s"); the next page: --after \(Self.quoted(next)))")
        }
        return ExitStatus.success
    }

    /// The query the options ask for.
    /// - Throws: `UsageError` for a `--where` without `=` or with `--has` beside it.
    static func query(_ args: ParsedArguments) throws -> ProfileQuery {
        var query = ProfileQuery(
            keyPrefix: args.option("--prefix"), after: args.option("--after"),
            limit: try args.integer("--limit", default: 50, range: 1...10_000, spec: spec))
        if let condition = args.option("--where") {
            guard args.option("--has") == nil else {
                throw UsageError(message: "--where and --has exclude each other", usage: spec.usage)
            }
            guard let equals = condition.firstIndex(of: "="), equals != condition.startIndex else {
                throw UsageError(message: "--where takes TRAIT=VALUE, e.g. churn_risk=high", usage: spec.usage)
            }
            query.trait = String(condition[..<equals])
            query.value = canonical(String(condition[condition.index(after: equals)...]))
        } else {
            query.trait = args.option("--has")
        }
        return query
    }

    /// A value as the store keeps it: a JSON number, `true`, `false` or `null` as written, else a
    /// JSON string.
    static func canonical(_ text: String) -> String {
        // A value in double quotes is text, even one that looks like a number or a keyword.
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") {
            var out: [UInt8] = []
            appendJSONString(String(text.dropFirst().dropLast()), to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        if ["true", "false", "null"].contains(text) { return text }
        if let number = Value.canonicalNumber(text) { return number }
        // An exponent (1e3) names the same number as its plain digits.
        if text.contains(where: { $0 == "e" || $0 == "E" }), text.first.map({ $0.isNumber || $0 == "-" }) == true,
            let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")),
            let number = Value.canonicalNumber("\(decimal)")
        {
            return number
        }
        var out: [UInt8] = []
        appendJSONString(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func abbreviated(_ json: String) -> String {
        json.count <= 100 ? json : String(json.prefix(99)) + "…"
    }

    static func quoted(_ key: String) -> String { shellQuoted(key) }
}

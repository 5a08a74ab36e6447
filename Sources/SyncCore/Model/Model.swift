import Foundation

/// One model file, parsed: what to query, where, when, and how its rows become traits.
public struct Model: Sendable {
    public enum Kind: String, Sendable { case traits, segment }
    public enum OnRemove: String, Sendable { case unset, keep }
    /// `-- schema:` what a run does when its result changed shape (docs/drift-and-plans.md): `hold` it (the
    /// default) or `evolve` (apply it, unsetting dropped traits).
    public enum SchemaPolicy: String, Sendable { case hold, evolve }
    /// `-- diff:` where the result is compared with the last run's (docs/warehouse-diff.md): `client` streams the
    /// whole result and diffs it here (the default); `warehouse` compares in the source's scratch
    /// schema and streams only added, changed and removed rows.
    public enum DiffMode: String, Sendable { case client, warehouse }
    /// A guard against mass changes: `max_removed` (removed rows) and `max_changed` (changed
    /// profiles), as a percentage of the snapshot's rows or a count.
    public enum RemovalLimit: Sendable, Hashable, CustomStringConvertible {
        case percent(Double)
        case count(Int)
        public var description: String {
            switch self {
            case .percent(let p): "\(p.formatted(.number.precision(.fractionLength(0...2))))%"
            case .count(let n): "\(n)"
            }
        }
        /// `25%` (0 to 100) or a count; nil for anything else.
        public init?(parsing text: String) {
            if text.hasSuffix("%"), let p = Double(text.dropLast()), p >= 0, p <= 100 {
                self = .percent(p)
            } else if let n = Int(text), n >= 0 {
                self = .count(n)
            } else {
                return nil
            }
        }

        /// Whether `removed` (or changed) of `previous` snapshot rows goes past the limit.
        public func isExceeded(removed: Int, previous: Int) -> Bool {
            switch self {
            case .count(let n): return removed > n
            case .percent(let p): return previous > 0 && Double(removed) > Double(previous) * p / 100
            }
        }
    }

    public var name: String
    public var file: String
    public var key: String
    /// Nil until resolved against the config (a project with one source may leave it out).
    public var source: String?
    public var schedule: Schedule
    /// The schedule as its header wrote it (`daily at 02:30`); nil when the model has none.
    public var scheduleText: String?
    public var kind: Kind
    /// The columns to sync; nil means every column but the key.
    public var traits: [String]?
    public var onRemove: OnRemove
    public var maxRemoved: RemovalLimit
    public var timeout: Duration?
    public var timezone: TimeZone?
    public var enabled: Bool
    /// `-- max_changed: 20%` (or a count): a run that would change more profiles is held. No default.
    public var maxChanged: RemovalLimit?
    /// `-- destinations: crm, cdp`: where this model's changes are delivered, in order.
    public var destinations: [String] = []
    /// `-- schema: evolve` applies a result whose shape changed; `hold` (the default) holds it.
    public var schemaPolicy = SchemaPolicy.hold
    /// `-- budget: 200000 planner_cost | 50GB | 0.5 credits`: a run whose estimate is higher is held
    /// before its query runs, and where the warehouse has a cap the query is stopped at it (docs/cost.md).
    public var budget: Budget?
    /// `-- skip_unchanged: false` runs the query even when no table it reads changed (docs/cost.md).
    public var skipUnchanged = true
    /// `-- diff: warehouse` compares the result in the warehouse (docs/warehouse-diff.md); `client` by default.
    public var diffMode = DiffMode.client
    /// XXH3-128 of the file's text as it was read (32 hex digits): what a saved plan pins. Empty
    /// until the project loader sets it.
    public var fileDigest = ""
    /// The query, byte for byte as the file holds it after the header; with dbt references, as
    /// the project resolved them (docs/dbt.md).
    public var sql: String
    /// The query's `{{ ref(...) }}` and `{{ source(...) }}` as written (docs/dbt.md); nil without any.
    public var dbtTemplate: DbtTemplate?
    /// The unique ids of the dbt nodes the references resolved to (`model.shop.customer_ltv`),
    /// sorted; empty until the project resolves them.
    public var dbtNodes: [String] = []
    /// Each reference and the relation it resolved to, in the query's order
    /// (`ref('customer_ltv') → "db"."marts"."ltv_by_customer"`), for `plan` to show.
    public var dbtRelations: [(reference: String, relation: String)] = []
    /// The line of each header key, for errors that point back at the file.
    public var headerLines: [String: Int]
    public var headerEndLine: Int
}

extension Model {
    static let headerKeys = [
        "key", "source", "schedule", "kind", "traits", "on_remove", "max_removed", "timeout", "timezone", "enabled",
        "destinations", "max_changed", "schema", "budget", "skip_unchanged",
        "diff",
    ]

    /// Parses a model file; every problem in it is reported.
    /// - Parameter conventions: how the warehouse of the source the header names (nil: the
    ///   project's one source) reads strings and comments, for finding dbt references.
    /// - Throws: `ProjectErrors` naming the file and line.
    public static func parse(
        text: String, file: String, conventions: (String?) -> SQLConventions = { _ in .postgres }
    ) throws(ProjectErrors) -> Model {
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var errors: [ProjectError] = []
        func fail(_ line: Int?, _ message: String, _ hint: String? = nil, code: ProjectError.Code = .invalidValue) {
            errors.append(ProjectError(file: file, line: line, message, hint: hint, code: code))
        }

        var model = Model(
            name: name, file: file, key: "", source: nil, schedule: .manual, kind: .traits, traits: nil,
            onRemove: .unset, maxRemoved: .percent(25), timeout: nil, timezone: nil, enabled: true,
            sql: "", headerLines: [:], headerEndLine: 0)
        if !isIdentifier(name) {
            fail(
                nil, "model name \(name) is not a valid name",
                "rename the file to letters, digits and '_' (e.g. lifetime_value.sql)")
        }
        // The header is the leading comment block; its `-- name: value` lines are settings.
        // Lines are cut at "\n" in the scalars: in a CRLF file "\r\n" is one Character. A byte order
        // mark is not part of the first line.
        let scalars = text.unicodeScalars
        var offset = scalars.first == "\u{FEFF}" ? scalars.index(after: scalars.startIndex) : scalars.startIndex
        var lineNumber = 0
        while offset < scalars.endIndex {
            let lineEnd = scalars[offset...].firstIndex(of: "\n") ?? scalars.endIndex
            let line = String(scalars[offset..<lineEnd]).trimmingCharacters(in: .whitespacesAndNewlines)
            guard line.isEmpty || line.hasPrefix("--") else { break }
            lineNumber += 1
            offset = lineEnd < scalars.endIndex ? scalars.index(after: lineEnd) : lineEnd
            guard line.hasPrefix("--"), let colon = line.firstIndex(of: ":") else { continue }
            let key = line[line.index(line.startIndex, offsetBy: 2)..<colon].trimmingCharacters(in: .whitespaces)
            // Settings are lowercase words; a comment such as "-- Ecommerce: ..." is prose.
            guard !key.isEmpty, key.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || $0 == "_" }) else {
                continue
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if model.headerLines[key] != nil {
                fail(lineNumber, "header key \(key) is set twice")
                continue
            }
            model.headerLines[key] = lineNumber
            model.apply(key: key, value: value, line: lineNumber, report: fail)
        }
        model.headerEndLine = lineNumber
        let body = String(scalars[offset...])
        // Jinja before the query (a dbt config() block) also ends the header: what it is is the
        // error, not the header lines after it.
        let opening = body.trimmingCharacters(in: .whitespacesAndNewlines)
        let jinjaFirst = ["{{", "{%", "{#"].contains { opening.hasPrefix($0) }
        var jinjaOpensBody = false
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            fail(
                lineNumber + 1, "model \(name) has no query after its header",
                "write the SELECT below the -- header lines")
        } else {
            let dialect = conventions(model.source)
            func template(_ text: String) -> DbtTemplate.Problem? {
                guard text.contains("{") else { return nil }
                switch DbtTemplate.scan(text, firstLine: lineNumber + 1, conventions: dialect) {
                case .success(let template) where !template.references.isEmpty: model.dbtTemplate = template
                case .success: break
                case .failure(let problem): return problem
                }
                return nil
            }
            switch QueryText.check(body, firstLine: lineNumber + 1) {
            case .success(let statement):
                model.sql = statement
                if let problem = template(statement) {
                    fail(problem.line, problem.message, problem.hint, code: .syntax)
                }
            case .failure(let problem):
                // A Jinja construct the query cannot hold is the clearer error ("begins with {").
                let jinja = template(body)
                jinjaOpensBody = jinja != nil && jinjaFirst
                let shown =
                    jinja.map { ($0.line, $0.message, $0.hint) } ?? (problem.line, problem.message, problem.hint)
                fail(shown.0, shown.1, shown.2, code: .syntax)
            }
        }
        if model.headerLines["key"] == nil && !jinjaOpensBody {
            fail(1, "model \(name) has no key", "add a header line such as -- key: user_id")
        }
        if let traits = model.traits, traits.contains(model.key) {
            fail(
                model.headerLines["traits"], "traits lists the key column \(model.key)",
                "the key identifies the profile; remove it from traits")
        }
        if model.kind == .segment && model.traits != nil {
            fail(
                model.headerLines["traits"],
                "a segment model writes one trait named after the model (\(name)); it takes no traits list",
                "remove the traits line, or use kind: traits")
        }
        if !errors.isEmpty { throw ProjectErrors(errors) }
        return model
    }

    private mutating func apply(
        key: String, value: String, line: Int, report: (Int?, String, String?, ProjectError.Code) -> Void
    ) {
        func fail(_ line: Int?, _ message: String, _ hint: String? = nil) { report(line, message, hint, .invalidValue) }
        switch key {
        case "key":
            guard isIdentifierLike(value) else {
                return fail(
                    line, "invalid key column \"\(value)\"",
                    "name the result column that identifies the profile, e.g. user_id")
            }
            self.key = value
        case "source":
            guard !value.isEmpty else { return fail(line, "source is empty", "name a source of warehouse-sync.toml") }
            source = value
        case "schedule":
            do {
                schedule = try Schedule(parsing: value)
                scheduleText = value.trimmingCharacters(in: .whitespaces)
            } catch { fail(line, error.message, error.hint) }
        case "kind":
            guard let parsed = Kind(rawValue: value) else {
                return fail(line, "invalid kind \"\(value)\"", "kind is traits or segment")
            }
            kind = parsed
        case "destinations":
            let names = value.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard !names.isEmpty, names.allSatisfy(isIdentifierLike), Set(names).count == names.count else {
                return fail(
                    line, "invalid destinations list \"\(value)\"",
                    "name [destinations.NAME] tables of warehouse-sync.toml, each once, separated by commas: crm, cdp")
            }
            destinations = names
        case "traits":
            let names = value.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard !names.isEmpty, names.allSatisfy(isIdentifierLike) else {
                return fail(
                    line, "invalid traits list \"\(value)\"",
                    "list result columns separated by commas: lifetime_value, churn_risk")
            }
            if let duplicate = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
                return fail(line, "trait \(duplicate) is listed twice")
            }
            traits = names
        case "skip_unchanged":
            guard value == "true" || value == "false" else {
                return fail(line, "invalid skip_unchanged \"\(value)\"", "skip_unchanged is true or false")
            }
            skipUnchanged = value == "true"
        case "diff":
            guard let parsed = DiffMode(rawValue: value) else {
                return fail(
                    line, "invalid diff \"\(value)\"",
                    "diff is client (stream the result and compare it here) or warehouse (compare in the "
                        + "source's scratch_schema and stream only the rows that changed)")
            }
            diffMode = parsed
        case "budget":
            guard let parsed = Budget(parsing: value) else {
                return fail(
                    line, "invalid budget \"\(value)\"",
                    "write a positive number and its unit: 200000 planner_cost (PostgreSQL, Redshift), 50GB or "
                        + "1.5TiB (bytes: Snowflake, BigQuery), 0.5 credits (Snowflake)")
            }
            budget = parsed
        case "schema":
            guard let parsed = SchemaPolicy(rawValue: value) else {
                return fail(
                    line, "invalid schema \"\(value)\"",
                    "schema is hold (a run whose result changed shape is held) or evolve (it is applied)")
            }
            schemaPolicy = parsed
        case "on_remove":
            guard let parsed = OnRemove(rawValue: value) else {
                return fail(line, "invalid on_remove \"\(value)\"", "on_remove is unset or keep")
            }
            onRemove = parsed
        case "max_removed", "max_changed":
            guard let limit = RemovalLimit(parsing: value) else {
                return fail(
                    line, "invalid \(key) \"\(value)\"", "write a percentage such as 20% or a count such as 1000")
            }
            if key == "max_removed" { maxRemoved = limit } else { maxChanged = limit }
        case "timeout":
            guard let duration = DurationText.parse(value) else {
                return fail(line, "invalid timeout \"\(value)\"", DurationText.limitHint)
            }
            timeout = duration
        case "timezone":
            guard let zone = TimeZone(identifier: value) else {
                return fail(
                    line, "unknown timezone \"\(value)\"", "use an IANA name such as Europe/Berlin or America/New_York")
            }
            timezone = zone
        case "enabled":
            guard value == "true" || value == "false" else {
                return fail(line, "invalid enabled \"\(value)\"", "enabled is true or false")
            }
            enabled = value == "true"
        default:
            let suggestion = Self.headerKeys.min { editDistance($0, key) < editDistance($1, key) }
            report(
                line, "unknown header key \(key)",
                "did you mean \(suggestion ?? "key")? The header keys are \(Self.headerKeys.joined(separator: ", "))",
                .unknownKey)
        }
    }

    /// The traits this model writes, once its columns are known.
    public func traitNames(columns: [String]) -> [String] {
        switch kind {
        case .segment: return [name]
        case .traits: return traits ?? columns.filter { $0 != key }
        }
    }
}

func isIdentifier(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, first == "_" || CharacterSet.letters.contains(first) else {
        return false
    }
    return text.unicodeScalars.allSatisfy { $0 == "_" || CharacterSet.alphanumerics.contains($0) }
}

/// A column name as a trait: no quotes, dots or spaces, so it is a plain JSON key and SQL name.
func isIdentifierLike(_ text: String) -> Bool {
    !text.isEmpty
        && text.unicodeScalars.allSatisfy { $0 == "_" || $0 == "$" || CharacterSet.alphanumerics.contains($0) }
}

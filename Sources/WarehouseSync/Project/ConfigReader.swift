import Foundation
import SyncCore

/// Reads typed values out of TOML entries, collecting errors instead of stopping at the first.
struct ConfigReader {
    let file: String
    let environment: [String: String]
    var errors: [ProjectError] = []
    /// Reading a table only `serve` uses ([server], [alerts.NAME]): an unset variable there is
    /// kept in `serveOnly`, not an error, so other commands need none of its secrets.
    var deferUnsetVariables = false
    var serveOnly: [ProjectError] = []

    mutating func rejectAll(_ entries: [TOMLDocument.Entry], in place: String, hint: String) {
        for entry in entries {
            errors.append(
                ProjectError(
                    file: file, line: entry.line, "unknown key \(entry.key) in \(place)", hint: hint, code: .unknownKey)
            )
        }
    }

    mutating func read(
        _ table: TOMLDocument.Table, allowed: [String], _ body: (TOMLDocument.Entry, inout ConfigReader) -> Void
    ) {
        let name = "[\(table.path.joined(separator: "."))]"
        for entry in table.entries {
            guard allowed.contains(entry.key) else {
                let suggestion = allowed.min { editDistance($0, entry.key) < editDistance($1, entry.key) }
                errors.append(
                    ProjectError(
                        file: file, line: entry.line, "unknown key \(entry.key) in \(name)",
                        hint: suggestion.map {
                            "did you mean \($0)? The keys of \(name) are \(allowed.joined(separator: ", "))"
                        }, code: .unknownKey))
                continue
            }
            body(entry, &self)
        }
    }

    /// A string value with `${NAME}` taken from the environment.
    mutating func string(_ entry: TOMLDocument.Entry) -> String? {
        guard case .string(let text) = entry.value else {
            errors.append(
                ProjectError(
                    file: file, line: entry.line, "\(entry.key) must be a string, found \(entry.value.typeName)"))
            return nil
        }
        return expand(text, entry)
    }

    mutating func positive(_ entry: TOMLDocument.Entry) -> Int? {
        guard case .integer(let n) = entry.value, n > 0 else {
            errors.append(ProjectError(file: file, line: entry.line, "\(entry.key) must be a positive integer"))
            return nil
        }
        return n
    }

    mutating func timezone(_ entry: TOMLDocument.Entry) -> TimeZone? {
        guard let name = string(entry) else { return nil }
        guard let zone = TimeZone(identifier: name) else {
            errors.append(
                ProjectError(
                    file: file, line: entry.line, "unknown timezone \(name)",
                    hint: "use an IANA name such as UTC, Europe/Berlin or America/New_York"))
            return nil
        }
        return zone
    }

    mutating func duration(_ entry: TOMLDocument.Entry) -> Duration? {
        guard let text = string(entry) else { return nil }
        guard let duration = DurationText.parse(text) else {
            errors.append(
                ProjectError(
                    file: file, line: entry.line, "invalid duration \(text) for \(entry.key)",
                    hint: "write a duration such as 30s, 10m or 1h"))
            return nil
        }
        return duration
    }

    mutating func expand(_ text: String, _ entry: TOMLDocument.Entry) -> String? {
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                errors.append(
                    ProjectError(file: file, line: entry.line, "unterminated ${ in \(entry.key)", hint: "write ${NAME}")
                )
                return nil
            }
            let name = String(rest[start.upperBound..<end])
            guard let value = environment[name] else {
                let problem = ProjectError(
                    file: file, line: entry.line, "environment variable \(name) is not set (used by \(entry.key))",
                    hint: deferUnsetVariables
                        ? "serve needs it; export \(name) in serve's environment"
                        : "export \(name) before running warehouse-sync")
                if deferUnsetVariables { serveOnly.append(problem) } else { errors.append(problem) }
                return nil
            }
            out += value
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }

    /// A `kind` value that names one of `Kind`'s cases; an error listing them otherwise.
    mutating func kind<Kind: RawRepresentable & CaseIterable>(_ entry: TOMLDocument.Entry, of what: String) -> Kind?
    where Kind.RawValue == String {
        guard let text = string(entry) else { return nil }
        if let kind = Kind(rawValue: text) { return kind }
        errors.append(
            ProjectError(
                file: file, line: entry.line, "unknown \(what) kind \(text)",
                hint: "kind is " + Kind.allCases.map(\.rawValue).joined(separator: " or ")))
        return nil
    }

    /// An `http://` or `https://` URL with a host, as written.
    mutating func httpURL(_ entry: TOMLDocument.Entry, of what: String, example: String) -> String? {
        guard let text = string(entry) else { return nil }
        guard let parsed = URL(string: text), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
            parsed.host?.isEmpty == false
        else {
            errors.append(
                ProjectError(
                    file: file, line: entry.line, "invalid url for \(what)",
                    hint: "write an http:// or https:// URL, e.g. url = \"\(example)\""))
            return nil
        }
        return text
    }
}

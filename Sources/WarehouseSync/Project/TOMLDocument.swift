import Connectors
import Drivers
import Stores
import SyncCore

/// A parsed `warehouse-sync.toml`: the subset of TOML docs/project.md describes (tables, strings, integers,
/// booleans, arrays of strings, `#` comments), with the line of every key.
struct TOMLDocument {
    enum Value: Equatable {
        case string(String)
        case integer(Int)
        case boolean(Bool)
        case strings([String])
        /// An array of integers (`cloud_job_ids = [123, 456]`).
        case integers([Int])

        var typeName: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .boolean: "a boolean"
            case .strings: "an array of strings"
            case .integers: "an array of integers"
            }
        }
    }

    struct Entry {
        var key: String
        var value: Value
        var line: Int
    }

    struct Table {
        /// The dotted path, e.g. `["sources", "warehouse"]`; empty for the root.
        var path: [String]
        var line: Int
        var entries: [Entry] = []
    }

    var tables: [Table] = [Table(path: [], line: 1)]
}

/// Parses the TOML subset; the first syntax error stops it, with its line.
enum TOMLParser {
    static func parse(_ text: String, file: String) throws(ProjectError) -> TOMLDocument {
        var document = TOMLDocument()
        var seenTables: Set<[String]> = [[]]
        // Lines end at "\n" in the scalars ("\r\n" is one Character, so splitting Characters finds no
        // line in a CRLF file); a trailing "\r" and a leading byte order mark are dropped.
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        let lines = scalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(String.UnicodeScalarView(line.last == "\r" ? line.dropLast() : line))
        }
        var index = 0
        while index < lines.count {
            let lineNumber = index + 1
            var line = stripComment(lines[index]).trimmingCharacters(in: .whitespaces)
            index += 1
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else {
                    throw ProjectError(
                        file: file, line: lineNumber, "malformed table header \(line)",
                        hint: "write a table as [name] or [sources.name]; arrays of tables are not supported",
                        code: .syntax)
                }
                let path = try parseKeyPath(String(line.dropFirst().dropLast()), file: file, line: lineNumber)
                guard seenTables.insert(path).inserted else {
                    throw ProjectError(
                        file: file, line: lineNumber, "table [\(path.joined(separator: "."))] is defined twice",
                        hint: "merge the two tables into one", code: .syntax)
                }
                document.tables.append(.init(path: path, line: lineNumber))
                continue
            }
            guard let eq = indexOfEquals(line) else {
                // A value is never echoed: it may be a secret.
                throw ProjectError(
                    file: file, line: lineNumber, "expected key = value",
                    hint: "each line is a [table], a key = value, or a # comment", code: .syntax)
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard isBareKey(key) else {
                throw ProjectError(
                    file: file, line: lineNumber, "invalid key \"\(key)\"",
                    hint: "keys are letters, digits, '_' and '-'", code: .syntax)
            }
            var valueText = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            // An array may span lines until its closing bracket.
            while valueText.hasPrefix("[") && !arrayIsClosed(valueText) && index < lines.count {
                line = stripComment(lines[index]).trimmingCharacters(in: .whitespaces)
                index += 1
                valueText += " " + line
            }
            let value = try parseValue(valueText, file: file, line: lineNumber)
            var table = document.tables.removeLast()
            if table.entries.contains(where: { $0.key == key }) {
                throw ProjectError(
                    file: file, line: lineNumber, "key \(key) is set twice in the same table", code: .syntax)
            }
            table.entries.append(.init(key: key, value: value, line: lineNumber))
            document.tables.append(table)
        }
        return document
    }

    private static func isBareKey(_ key: String) -> Bool {
        !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }

    private static func parseKeyPath(_ text: String, file: String, line: Int) throws(ProjectError) -> [String] {
        var parts: [String] = []
        for raw in text.split(separator: ".", omittingEmptySubsequences: false) {
            var part = raw.trimmingCharacters(in: .whitespaces)
            if part.count >= 2, part.hasPrefix("\""), part.hasSuffix("\"") {
                part = String(part.dropFirst().dropLast())
            } else if !isBareKey(part) {
                throw ProjectError(
                    file: file, line: line, "invalid table name [\(text)]",
                    hint: "names are letters, digits, '_' and '-', or quoted", code: .syntax)
            }
            parts.append(part)
        }
        return parts
    }

    /// Calls `body` with each character outside quoted strings (escapes in "..." respected);
    /// stops at the first index for which `body` returns true and returns it.
    private static func firstUnquoted(in text: String, where body: (Character) -> Bool) -> String.Index? {
        var inQuote: Character?
        var escaped = false
        for i in text.indices {
            let c = text[i]
            if let q = inQuote {
                if escaped {
                    escaped = false
                } else if c == "\\" && q == "\"" {
                    escaped = true
                } else if c == q {
                    inQuote = nil
                }
            } else if c == "\"" || c == "'" {
                inQuote = c
            } else if body(c) {
                return i
            }
        }
        return nil
    }

    private static func indexOfEquals(_ line: String) -> String.Index? {
        firstUnquoted(in: line) { $0 == "=" }
    }

    /// The line without a `#` comment (a `#` inside a string stays).
    static func stripComment(_ line: String) -> String {
        firstUnquoted(in: line) { $0 == "#" }.map { String(line[..<$0]) } ?? line
    }

    private static func arrayIsClosed(_ text: String) -> Bool {
        var depth = 0
        return firstUnquoted(in: text) { c in
            if c == "[" {
                depth += 1
            } else if c == "]" {
                depth -= 1
                return depth == 0
            }
            return false
        } != nil
    }

    private static func parseValue(_ text: String, file: String, line: Int) throws(ProjectError) -> TOMLDocument.Value {
        if text == "true" { return .boolean(true) }
        if text == "false" { return .boolean(false) }
        if text.hasPrefix("\"") || text.hasPrefix("'") {
            var rest = Substring(text)
            let string = try parseString(&rest, file: file, line: line)
            guard rest.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ProjectError(
                    file: file, line: line, "unexpected text after the string's closing quote",
                    hint: "a quote inside a \"...\" string is written \\\"; or use a '...' string", code: .syntax)
            }
            return .string(string)
        }
        if text.hasPrefix("[") {
            var rest = Substring(text.dropFirst())
            var items: [String] = []
            var numbers: [Int] = []
            while true {
                rest = rest.drop { $0 == " " || $0 == "\t" }
                if rest.hasPrefix("]") {
                    rest = rest.dropFirst()
                    break
                }
                if let first = rest.first, first.isNumber, items.isEmpty {
                    let digits = rest.prefix { $0.isNumber || $0 == "_" }
                    rest = rest.dropFirst(digits.count)
                    numbers.append(Int(digits.replacingOccurrences(of: "_", with: "")) ?? 0)
                } else {
                    guard (rest.hasPrefix("\"") || rest.hasPrefix("'")) && numbers.isEmpty else {
                        throw ProjectError(
                            file: file, line: line, "arrays hold only strings or only integers", code: .syntax)
                    }
                    items.append(try parseString(&rest, file: file, line: line))
                }
                rest = rest.drop { $0 == " " || $0 == "\t" }
                if rest.hasPrefix(",") {
                    rest = rest.dropFirst()
                } else if !rest.hasPrefix("]") {
                    throw ProjectError(file: file, line: line, "expected , or ] in the array", code: .syntax)
                }
            }
            guard rest.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ProjectError(file: file, line: line, "unexpected text after the array's closing ]", code: .syntax)
            }
            return numbers.isEmpty ? .strings(items) : .integers(numbers)
        }
        let digits = text.replacingOccurrences(of: "_", with: "")
        if let number = Int(digits.hasPrefix("+") ? String(digits.dropFirst()) : digits) { return .integer(number) }
        throw ProjectError(
            file: file, line: line, "unsupported value (not quoted, not a number, not true or false)",
            hint: "values are \"strings\", integers, true/false, or arrays of strings", code: .syntax)
    }

    private static func parseString(_ rest: inout Substring, file: String, line: Int) throws(ProjectError) -> String {
        let quote = rest.removeFirst()
        var out = ""
        while let c = rest.first {
            rest = rest.dropFirst()
            if c == quote { return out }
            if c == "\\" && quote == "\"" {
                guard let e = rest.first else { break }
                rest = rest.dropFirst()
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "\\": out.append("\\")
                case "\"": out.append("\"")
                case "u", "U":
                    let count = e == "u" ? 4 : 8
                    let hex = String(rest.prefix(count))
                    rest = rest.dropFirst(count)
                    guard hex.count == count, let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code)
                    else {
                        throw ProjectError(file: file, line: line, "invalid unicode escape \\\(e)\(hex)", code: .syntax)
                    }
                    out.unicodeScalars.append(scalar)
                default: throw ProjectError(file: file, line: line, "invalid escape \\\(e) in a string", code: .syntax)
                }
            } else {
                out.append(c)
            }
        }
        throw ProjectError(
            file: file, line: line, "unterminated string", hint: "close the string with \(quote)", code: .syntax)
    }
}

/// A model's query split at its dbt references (docs/dbt.md): SQL text, and `{{ ref(...) }}` /
/// `{{ source(...) }}` between it. Nothing else of Jinja is accepted: `{{ }}` with any other
/// expression, `{% %}` and `{# #}` are errors naming the line and the construct. Quoted strings,
/// quoted names and comments of the SQL are passed over, so `'{{1,2},{3,4}}'` stays an array literal.
public struct DbtTemplate: Sendable {
    /// One run of SQL text, or one reference.
    public enum Piece: Sendable {
        case sql(String)
        /// The reference, and how many line ends its `{{ ... }}` spans (kept when it is rendered).
        case reference(DbtReference, lineEnds: Int)
    }

    /// A word of the SQL outside strings, comments and references (an unquoted or double-quoted
    /// name), with its line: what a model may select from a dbt node.
    public struct Word: Sendable, Hashable {
        public var text: String
        public var line: Int
    }

    /// What is wrong with a template, at the model file's line.
    public struct Problem: Error, Sendable, Equatable {
        public var line: Int
        public var message: String
        public var hint: String
    }

    public var pieces: [Piece]
    public var words: [Word]

    /// The references, in the order the query has them.
    public var references: [DbtReference] {
        pieces.compactMap { if case .reference(let reference, _) = $0 { reference } else { nil } }
    }

    /// The SQL with each reference replaced by `relation(reference)`; a reference that spans lines
    /// is followed by as many line ends, so later lines keep their numbers.
    public func rendered(_ relation: (DbtReference) -> String) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .sql(let text): out += text
            case .reference(let reference, let lineEnds):
                out += relation(reference) + String(repeating: "\n", count: lineEnds)
            }
        }
        return out
    }

    static let accepted =
        "{{ ref('name') }}, {{ ref('package', 'name') }}, {{ ref('name', v=2) }} and "
        + "{{ source('source_name', 'table') }}"

    /// Splits `text` (a query whose first line is the model file's `firstLine`).
    /// - Returns: the template, or the first problem.
    public static func scan(_ text: String, firstLine: Int) -> Result<DbtTemplate, Problem> {
        var scanner = TemplateScanner(bytes: Array(text.utf8), line: firstLine)
        do {
            try scanner.run()
        } catch {
            return .failure(error)
        }
        return .success(DbtTemplate(pieces: scanner.pieces, words: scanner.words))
    }
}

/// The byte walk behind `DbtTemplate.scan`.
private struct TemplateScanner {
    let bytes: [UInt8]
    var line: Int
    var index = 0
    var pieces: [DbtTemplate.Piece] = []
    var words: [DbtTemplate.Word] = []
    var sqlStart = 0

    init(bytes: [UInt8], line: Int) {
        self.bytes = bytes
        self.line = line
    }

    func byte(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    mutating func advance() {
        if bytes[index] == UInt8(ascii: "\n") { line += 1 }
        index += 1
    }

    /// Advances past `closing` (or to the end); false when the text ends first.
    mutating func skip(past closing: [UInt8]) -> Bool {
        while index < bytes.count {
            if bytes[index...].starts(with: closing) {
                index += closing.count
                return true
            }
            advance()
        }
        return false
    }

    mutating func run() throws(DbtTemplate.Problem) {
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "`"):
                advance()
                while index < bytes.count && bytes[index] != b { advance() }
                if index < bytes.count { advance() }
            case UInt8(ascii: "\""):
                let wordLine = line
                advance()
                let start = index
                while index < bytes.count && bytes[index] != b { advance() }
                words.append(.init(text: String(decoding: bytes[start..<index], as: UTF8.self), line: wordLine))
                if index < bytes.count { advance() }
            case UInt8(ascii: "-") where byte(1) == UInt8(ascii: "-"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { advance() }
            case UInt8(ascii: "/") where byte(1) == UInt8(ascii: "*"):
                index += 2
                _ = skip(past: Array("*/".utf8))
            case UInt8(ascii: "$") where dollarTag() != nil:
                let tag = dollarTag()!
                index += tag.count
                _ = skip(past: tag)
            case UInt8(ascii: "{") where [UInt8(ascii: "{"), UInt8(ascii: "%"), UInt8(ascii: "#")].contains(byte(1)):
                try template()
            default:
                if isWordStart(b) {
                    let start = index
                    while index < bytes.count && isWordByte(bytes[index]) { index += 1 }
                    words.append(.init(text: String(decoding: bytes[start..<index], as: UTF8.self), line: line))
                } else {
                    advance()
                }
            }
        }
        flushSQL(upTo: bytes.count)
    }

    /// `$tag$` (PostgreSQL's dollar quote) at the index, or nil.
    func dollarTag() -> [UInt8]? {
        var end = index + 1
        while end < bytes.count && isWordByte(bytes[end]) && bytes[end] != UInt8(ascii: "$") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "$") else { return nil }
        if end > index + 1 && !isWordStart(bytes[index + 1]) { return nil }
        return Array(bytes[index...end])
    }

    mutating func flushSQL(upTo end: Int) {
        if end > sqlStart { pieces.append(.sql(String(decoding: bytes[sqlStart..<end], as: UTF8.self))) }
    }

    /// `{{ ... }}`, `{% ... %}` or `{# ... #}` at the index.
    mutating func template() throws(DbtTemplate.Problem) {
        let start = index
        let startLine = line
        let kind = bytes[index + 1]
        let closing: [UInt8] = kind == UInt8(ascii: "{") ? Array("}}".utf8) : [kind, UInt8(ascii: "}")]
        index += 2
        let bodyStart = index
        guard skip(past: closing) else {
            throw DbtTemplate.Problem(
                line: startLine,
                message: "\(String(decoding: bytes[start..<start + 2], as: UTF8.self)) is never closed",
                hint: "close it with \(String(decoding: closing, as: UTF8.self)); only \(DbtTemplate.accepted) are "
                    + "accepted")
        }
        let written = String(decoding: bytes[start..<index], as: UTF8.self)
        let shown = written.count > 80 ? String(written.prefix(77)) + "..." : written
        guard kind == UInt8(ascii: "{") else {
            throw DbtTemplate.Problem(
                line: startLine,
                message: "Jinja \(kind == UInt8(ascii: "%") ? "statement" : "comment") \(shown) is not supported",
                hint: "a model takes only \(DbtTemplate.accepted); put logic in a dbt model and ref it, and "
                    + "comments in -- SQL comments")
        }
        let body = String(decoding: bytes[bodyStart..<index - 2], as: UTF8.self)
        guard let target = ReferenceExpression.parse(body) else {
            throw DbtTemplate.Problem(
                line: startLine, message: "\(shown) is not a dbt ref or source",
                hint: "a model takes only \(DbtTemplate.accepted), with quoted names; nothing else of Jinja")
        }
        flushSQL(upTo: start)
        let lineEnds = bytes[start..<index].filter { $0 == UInt8(ascii: "\n") }.count
        pieces.append(.reference(DbtReference(target: target, line: startLine), lineEnds: lineEnds))
        sqlStart = index
    }
}

func isWordStart(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
        || b == UInt8(ascii: "_") || b >= 0x80
}

func isWordByte(_ b: UInt8) -> Bool {
    isWordStart(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "$")
}

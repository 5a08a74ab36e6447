/// A model's query split at its dbt references (docs/dbt.md): SQL text, and `{{ ref(...) }}` /
/// `{{ source(...) }}` between it. Nothing else of Jinja is accepted: `{{ }}` with any other
/// expression, `{% %}` and `{# #}` are errors naming the line and the construct. Quoted strings,
/// quoted names and comments of the SQL are passed over as the source's dialect reads them
/// (`SQLLexer`), so `'{{1,2},{3,4}}'` stays an array literal.
public struct DbtTemplate: Sendable {
    /// One run of SQL text, or one reference.
    public enum Piece: Sendable {
        case sql(String)
        /// The reference, and its `{{ ... }}` as the file has it (its line ends are kept when it
        /// is rendered).
        case reference(DbtReference, written: String)
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

    /// The query as the model file has it, references and all.
    public var written: String {
        pieces.map {
            switch $0 {
            case .sql(let text): text
            case .reference(_, let written): written
            }
        }.joined()
    }

    /// The SQL with each reference replaced by `relation(reference)`; a reference that spans lines
    /// is followed by as many line ends, so later lines keep their numbers.
    public func rendered(_ relation: (DbtReference) -> String) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .sql(let text): out += text
            case .reference(let reference, let written):
                out += relation(reference) + String(repeating: "\n", count: Self.lineEnds(written))
            }
        }
        return out
    }

    /// The place in `written` (a 0-based offset in Unicode scalars) of `offset` in
    /// `rendered(relation)`; a place inside a replaced reference is the reference's `{{`.
    public func writtenOffset(ofRendered offset: Int, _ relation: (DbtReference) -> String) -> Int {
        var rendered = 0
        var written = 0
        for piece in pieces {
            switch piece {
            case .sql(let text):
                let length = text.unicodeScalars.count
                if offset < rendered + length { return written + offset - rendered }
                rendered += length
                written += length
            case .reference(let reference, let text):
                let length = relation(reference).unicodeScalars.count + Self.lineEnds(text)
                if offset < rendered + length { return written }
                rendered += length
                written += text.unicodeScalars.count
            }
        }
        return written + offset - rendered
    }

    static func lineEnds(_ text: String) -> Int { text.utf8.filter { $0 == UInt8(ascii: "\n") }.count }

    static let accepted =
        "{{ ref('name') }}, {{ ref('package', 'name') }}, {{ ref('name', v=2) }} and "
        + "{{ source('source_name', 'table') }}"

    /// Splits `text` (a query whose first line is the model file's `firstLine`), reading its
    /// strings, quoted names and comments as `SQLLexer` does under `conventions` (the model's
    /// source's: braces in an `E'...'` string, a nested comment or a `$$` string are SQL).
    /// - Returns: the template, or the first problem.
    public static func scan(
        _ text: String, firstLine: Int, conventions: SQLConventions = .postgres
    ) -> Result<DbtTemplate, Problem> {
        var scanner = TemplateScanner(text: text, line: firstLine, conventions: conventions)
        do {
            try scanner.run()
        } catch {
            return .failure(error)
        }
        return .success(DbtTemplate(pieces: scanner.pieces, words: scanner.words))
    }
}

/// The walk behind `DbtTemplate.scan`: `SQLLexer` finds each `{{`, `{%` or `{#` outside the SQL's
/// strings, quoted names and comments, under the source's conventions; the template's inside is
/// Jinja, and the lexer starts again after it.
private struct TemplateScanner {
    /// The text's bytes and a 0 sentinel, as `SQLLexer.lex` reads them.
    let bytes: [UInt8]
    let count: Int
    let conventions: SQLConventions
    var pieces: [DbtTemplate.Piece] = []
    var words: [DbtTemplate.Word] = []
    /// A byte offset and its line, moved forward as the walk goes.
    var cursor: (offset: Int, line: Int)

    init(text: String, line: Int, conventions: SQLConventions) {
        bytes = Array(text.utf8) + [0]
        count = bytes.count - 1
        self.conventions = conventions
        cursor = (0, line)
    }

    /// The line of byte `offset` (at or after the last one asked).
    mutating func line(at offset: Int) -> Int {
        while cursor.offset < offset {
            if bytes[cursor.offset] == UInt8(ascii: "\n") { cursor.line += 1 }
            cursor.offset += 1
        }
        return cursor.line
    }

    func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    mutating func run() throws(DbtTemplate.Problem) {
        var from = 0
        while from < count {
            let (tokens, found) = lexed(from: from)
            for (start, end) in tokens { word(start, end) }
            guard let start = found else { break }
            if start > from { pieces.append(.sql(text(from..<start))) }
            from = try template(at: start)
        }
        if from < count { pieces.append(.sql(text(from..<count))) }
    }

    /// The SQL tokens from `from` on, up to the first template start (returned too, or nil).
    func lexed(from: Int) -> (tokens: [(Int, Int)], template: Int?) {
        var tokens: [(Int, Int)] = []
        var found: Int?
        let opens: [UInt8] = [UInt8(ascii: "{"), UInt8(ascii: "%"), UInt8(ascii: "#")]
        bytes.withUnsafeBufferPointer { all in
            let rest = UnsafeBufferPointer(rebasing: all[from...])
            _ = SQLLexer.lex(rest, count: count - from, conventions) { start, end in
                let (start, end) = (start + from, end + from)
                if end - start == 1, all[start] == UInt8(ascii: "{"), opens.contains(all[start + 1]) {
                    found = start
                    return false
                }
                tokens.append((start, end))
                return true
            }
        }
        return (tokens, found)
    }

    /// Records the token as a word when it is a name: unquoted, or in double quotes or backticks.
    mutating func word(_ start: Int, _ end: Int) {
        let first = bytes[start]
        if (first == UInt8(ascii: "\"") || first == UInt8(ascii: "`")) && end - start >= 2 {
            words.append(.init(text: text(start + 1..<end - 1), line: line(at: start)))
        } else if isWordStart(first) {
            words.append(.init(text: text(start..<end), line: line(at: start)))
        }
    }

    /// `{{ ... }}`, `{% ... %}` or `{# ... #}` at `start`.
    /// - Returns: the offset right after it.
    mutating func template(at start: Int) throws(DbtTemplate.Problem) -> Int {
        let startLine = line(at: start)
        let kind = bytes[start + 1]
        let closing: [UInt8] = kind == UInt8(ascii: "{") ? Array("}}".utf8) : [kind, UInt8(ascii: "}")]
        var end = start + 2
        while end < count && !bytes[end..<count].starts(with: closing) { end += 1 }
        guard end < count else {
            throw DbtTemplate.Problem(
                line: startLine,
                message: "\(text(start..<start + 2)) is never closed",
                hint: "close it with \(String(decoding: closing, as: UTF8.self)); only \(DbtTemplate.accepted) are "
                    + "accepted")
        }
        let body = text(start + 2..<end)
        end += closing.count
        let written = text(start..<end)
        let shown = written.count > 80 ? String(written.prefix(77)) + "..." : written
        guard kind == UInt8(ascii: "{") else {
            throw DbtTemplate.Problem(
                line: startLine,
                message: "Jinja \(kind == UInt8(ascii: "%") ? "statement" : "comment") \(shown) is not supported",
                hint: "a model takes only \(DbtTemplate.accepted); put logic in a dbt model and ref it, and "
                    + "comments in -- SQL comments")
        }
        guard let target = ReferenceExpression.parse(body) else {
            let config = body.trimmingCharacters(in: .whitespaces).hasPrefix("config(")
            throw DbtTemplate.Problem(
                line: startLine, message: "\(shown) is not a dbt ref or source",
                hint: config
                    ? "dbt's config() belongs in dbt models; a WarehouseSync model's settings are its -- header "
                        + "lines (-- key: customer_id), which open the file"
                    : "a model takes only \(DbtTemplate.accepted), with quoted names; nothing else of Jinja")
        }
        pieces.append(.reference(DbtReference(target: target, line: startLine), written: written))
        return end
    }
}

func isWordStart(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
        || b == UInt8(ascii: "_") || b >= 0x80
}

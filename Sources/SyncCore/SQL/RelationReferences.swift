/// The relations a query names where a relation stands (after `FROM`, `JOIN`, a comma in a
/// `FROM` list, `TABLE`), and the names its `WITH` clause defines. It reads tokens, not SQL's
/// grammar: enough to tell `FROM orders o` from a column or alias called `orders`, and a
/// table the planner removed from the plan (an unused `LEFT JOIN`) from one it never named.
public struct RelationReferences: Sendable, Equatable {
    /// Dotted names in relation position, parts as PostgreSQL reads them (unquoted lowercased).
    public var relations: [[String]] = []
    /// Names defined by `WITH name AS (...)`: a one-part reference to one of them is no relation.
    public var commonTableExpressions: Set<String> = []
    /// The first parts of every two-part name (`util.double(x)`, `crm.plans`): schemas the query may
    /// use for functions and types as well as relations.
    public var qualifiers: Set<String> = []

    /// Keywords after which a `FROM` list has ended.
    static let clauseEnds: Set<String> = [
        "WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "UNION", "INTERSECT", "EXCEPT", "WINDOW",
        "QUALIFY", "ON", "USING", "SELECT", "RETURNING", "FETCH", "FOR", "VALUES",
    ]
    /// Words that may stand between `FROM`/`JOIN` and the relation.
    static let relationPrefixes: Set<String> = ["ONLY", "LATERAL"]

    /// Reads `text` (PostgreSQL's quoting).
    public init(_ text: String) {
        let tokens = SQLLexer.tokens(text)
        var depthInFrom: [Bool] = [false]
        var expectRelation = false
        var index = 0
        func word(_ i: Int) -> String? { i < tokens.count && tokens[i].isWord ? tokens[i].text.uppercased() : nil }
        func isSymbol(_ i: Int, _ s: String) -> Bool { i < tokens.count && !tokens[i].isWord && tokens[i].text == s }
        while index < tokens.count {
            let token = tokens[index]
            // A dotted name: parts separated by '.'.
            if token.isName {
                var parts = [token.name]
                var next = index + 1
                while isSymbol(next, "."), next + 1 < tokens.count, tokens[next + 1].isName {
                    parts.append(tokens[next + 1].name)
                    next += 2
                }
                if parts.count == 2 { qualifiers.insert(parts[0]) }
                if parts.count == 3 { qualifiers.insert(parts[1]) }
                let upper = token.isWord ? token.text.uppercased() : ""
                if expectRelation && parts.count == 1 && Self.relationPrefixes.contains(upper) {
                    index = next
                    continue
                }
                if parts.count == 1, word(next) == "AS",
                    isSymbol(next + 1, "(") || word(next + 1) == "MATERIALIZED"
                        || word(next + 1) == "NOT"
                {
                    commonTableExpressions.insert(parts[0])
                }
                if expectRelation {
                    expectRelation = false
                    // A function in FROM (generate_series(...)) is no relation.
                    if !isSymbol(next, "(") { relations.append(parts) }
                } else if parts.count == 1 && token.isWord {
                    switch upper {
                    case "FROM", "JOIN":
                        expectRelation = true
                        depthInFrom[depthInFrom.count - 1] = true
                    case "TABLE" where index == 0 || isSymbol(index - 1, "("):
                        expectRelation = true
                    default:
                        if Self.clauseEnds.contains(upper) { depthInFrom[depthInFrom.count - 1] = false }
                    }
                }
                index = next
                continue
            }
            switch token.text {
            case "(":
                expectRelation = false
                depthInFrom.append(false)
            case ")":
                if depthInFrom.count > 1 { depthInFrom.removeLast() }
            case ",":
                if depthInFrom[depthInFrom.count - 1] { expectRelation = true }
            default:
                expectRelation = false
            }
            index += 1
        }
    }
}

extension SQLLexer {
    /// One token: a word, a quoted identifier, a string, or a symbol.
    struct Token {
        var text: String
        var isWord: Bool
        var isQuotedIdentifier: Bool
        var isName: Bool { isWord || isQuotedIdentifier }
        /// The name as PostgreSQL reads it: unquoted lowercased, quoted as written.
        var name: String {
            isQuotedIdentifier
                ? String(text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"") : text.lowercased()
        }
    }

    /// The names called as functions in `text` (PostgreSQL's quoting): each name right before
    /// `(`, the last part of a qualified one, unquoted lowercased and quoted as written
    /// (`"Score"(x)` is `Score`, `util.sc$x(y)` is `sc$x`).
    package static func calledFunctionNames(_ text: String) -> [String] {
        let tokens = tokens(text)
        var names: Set<String> = []
        for (index, token) in tokens.enumerated() where token.isName && index + 1 < tokens.count {
            let next = tokens[index + 1]
            if !next.isWord && !next.isQuotedIdentifier && next.text == "(" { names.insert(token.name) }
        }
        return names.sorted()
    }

    /// The tokens of `text` outside comments, in PostgreSQL's quoting.
    static func tokens(_ text: String) -> [Token] {
        var bytes = Array(text.utf8)
        bytes.append(0)
        var ranges: [(Int, Int)] = []
        _ = bytes.withUnsafeBufferPointer {
            lex($0, count: $0.count - 1, .postgres) {
                ranges.append(($0, $1))
                return true
            }
        }
        return ranges.map { start, end in
            let first = bytes[start]
            let text = String(decoding: bytes[start..<end], as: UTF8.self)
            let isWord =
                isWordByte(first) && !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
                && first != UInt8(ascii: "$")
            return Token(
                text: text, isWord: isWord, isQuotedIdentifier: first == UInt8(ascii: "\"") && end - start >= 2)
        }
    }
}

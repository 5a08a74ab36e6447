/// How one SQL dialect quotes and comments. Warehouses disagree: PostgreSQL nests block
/// comments and reads `\` literally in standard strings (or as an escape, with
/// `standard_conforming_strings = off`); Snowflake and BigQuery treat `\` as an escape; BigQuery
/// and MySQL have `#` comments and backtick identifiers; Snowflake has `//` comments; MySQL's `--`
/// starts a comment only before a space; SQLite has `[name]`.
public struct SQLConventions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `\` escapes the next character inside `'...'`.
    public static let backslashEscapes = SQLConventions(rawValue: 1 << 0)
    /// `\` escapes the next character inside `"..."` too (BigQuery and MySQL strings).
    public static let backslashInDoubleQuotes = SQLConventions(rawValue: 1 << 6)
    /// `//` starts a comment to the end of the line (Snowflake).
    public static let slashSlashComments = SQLConventions(rawValue: 1 << 7)
    /// `--` starts a comment only when a space or control character follows it (MySQL).
    public static let dashDashNeedsSpace = SQLConventions(rawValue: 1 << 8)
    /// `/* /* */ */` is one comment.
    public static let nestedComments = SQLConventions(rawValue: 1 << 1)
    /// `` `name` `` is a quoted identifier.
    public static let backtickQuotes = SQLConventions(rawValue: 1 << 2)
    /// `#` starts a comment to the end of the line.
    public static let hashComments = SQLConventions(rawValue: 1 << 3)
    /// `$tag$ ... $tag$` is a string.
    public static let dollarQuotes = SQLConventions(rawValue: 1 << 4)
    /// `[name]` is a quoted identifier.
    public static let bracketIdentifiers = SQLConventions(rawValue: 1 << 5)

    /// PostgreSQL's own reading (E'...' strings still take backslash escapes).
    public static let postgres: SQLConventions = [.nestedComments, .dollarQuotes]

    /// Every single convention, with the characters that must appear in a text for it to matter.
    static let each: [(SQLConventions, [String])] = [
        (.backslashEscapes, ["\\"]), (.backslashInDoubleQuotes, ["\\"]), (.nestedComments, ["/*"]),
        (.backtickQuotes, ["`"]), (.hashComments, ["#"]), (.dollarQuotes, ["$"]), (.bracketIdentifiers, ["["]),
        (.slashSlashComments, ["//"]), (.dashDashNeedsSpace, ["--"]),
    ]

    /// Every combination of the conventions that can change how `text` splits: a text is one
    /// statement only if it is one under each of them, whichever dialect the driver or server
    /// lexes it with. Conventions whose characters the text lacks cannot matter and are left out.
    /// PostgreSQL's own reading is not among them; the closest to it come first.
    static func relevant(to text: String) -> [SQLConventions] {
        let flags = each.filter { _, triggers in triggers.contains { text.contains($0) } }.map(\.0)
        var combinations: [SQLConventions] = [[]]
        for flag in flags { combinations += combinations.map { $0.union(flag) } }
        // The flags the text cannot trigger keep PostgreSQL's choice.
        let fixed = postgres.subtracting(SQLConventions(flags))
        return combinations.map { $0.union(fixed) }.filter { $0 != .postgres }
            .sorted {
                ($0.rawValue ^ postgres.rawValue).nonzeroBitCount < ($1.rawValue ^ postgres.rawValue).nonzeroBitCount
            }
    }
}

/// A lexical problem that makes a text unsafe or impossible to send.
public struct SQLLexError: Error, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case unterminated(what: String)
        case unbalancedParenthesis
        case severalStatements
    }
    public var kind: Kind
    /// Byte offset into the text where the problem starts.
    public var offset: Int
}

/// Splits SQL text into statements at the semicolons that are outside strings, quoted
/// identifiers and comments. It knows nothing of SQL's grammar: only where tokens begin and end.
public struct SQLLexer {
    /// One statement of the text.
    public struct Statement: Sendable, Hashable {
        /// Byte offsets of the statement's first and one past its last token (comments and
        /// whitespace around it, and its `;`, excluded).
        public var start: Int
        public var end: Int
        /// The statement's first word, uppercased (`SELECT`), or `(` when it opens with one.
        public var firstWord: String
    }

    /// What the text holds under one convention.
    public struct Result: Sendable {
        public var statements: [Statement] = []
        /// The first unterminated string, identifier or comment, if any.
        public var error: SQLLexError?
        /// Byte offset of each top-level `;`.
        public var semicolons: [Int] = []
        /// Whether parentheses outside strings and comments balance.
        public var parenthesesBalance = true
        public var firstUnbalancedParenthesis: Int?
    }

    /// Lexes `text` under `conventions`.
    public static func lex(_ text: String, conventions: SQLConventions = .postgres) -> Result {
        var bytes = Array(text.utf8)
        bytes.append(0)  // a sentinel, so that looking one byte ahead never goes out of bounds
        return bytes.withUnsafeBufferPointer { lex($0, count: $0.count - 1, conventions, onToken: nil) }
    }

    /// The dotted names in `text` outside strings and comments, read as PostgreSQL does: unquoted
    /// parts lowercased, quoted parts as written (`Sales."Orders"` is `["sales", "Orders"]`).
    public static func qualifiedNames(_ text: String) -> [[String]] {
        var bytes = Array(text.utf8)
        bytes.append(0)
        var tokens: [(Int, Int)] = []
        _ = bytes.withUnsafeBufferPointer {
            lex($0, count: $0.count - 1, .postgres) {
                tokens.append(($0, $1))
                return true
            }
        }
        func part(_ token: (Int, Int)) -> String? {
            let first = bytes[token.0]
            if first == UInt8(ascii: "\"") && token.1 - token.0 >= 2 {
                return String(decoding: bytes[(token.0 + 1)..<(token.1 - 1)], as: UTF8.self).replacingOccurrences(
                    of: "\"\"", with: "\"")
            }
            guard isWordByte(first), !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return nil }
            return String(decoding: bytes[token.0..<token.1], as: UTF8.self).lowercased()
        }
        var names: [[String]] = []
        var current: [String] = []
        var expectingPart = true
        for token in tokens {
            let isDot = token.1 - token.0 == 1 && bytes[token.0] == UInt8(ascii: ".")
            if isDot && !current.isEmpty && !expectingPart {
                expectingPart = true
                continue
            }
            if expectingPart, let name = part(token) {
                current.append(name)
                expectingPart = false
                continue
            }
            if !current.isEmpty { names.append(current) }
            current = []
            if let name = part(token) {
                current = [name]
                expectingPart = false
            } else {
                expectingPart = true
            }
        }
        if !current.isEmpty { names.append(current) }
        return names
    }

    static func lex(
        _ b: UnsafeBufferPointer<UInt8>, count n: Int, _ c: SQLConventions,
        onToken: ((Int, Int) -> Bool)?
    ) -> Result {
        var result = Result()
        var i = 0
        var stopped = false  // onToken returned false
        var depth = 0
        var statementStart: Int?
        var statementEnd = 0
        var firstWord = ""
        func token(_ start: Int, _ end: Int) {
            if onToken?(start, end) == false { stopped = true }
            if statementStart == nil {
                statementStart = start
                firstWord = word(b, start, end)
            }
            statementEnd = end
        }
        func closeStatement() {
            if let start = statementStart {
                result.statements.append(Statement(start: start, end: statementEnd, firstWord: firstWord))
            }
            statementStart = nil
        }
        // What is left from an unterminated string or comment on is part of a statement: a
        // second statement that opens with one still counts.
        func finishUnterminated(_ at: Int) -> Result {
            token(at, n)
            closeStatement()
            return result
        }
        while i < n && !stopped {
            let ch = b[i]
            switch ch {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                i += 1
            case UInt8(ascii: "-")
            where b[i + 1] == UInt8(ascii: "-")
                && (!c.contains(.dashDashNeedsSpace) || b[i + 2] <= 32):
                i = lineEnd(b, i, n)
            case UInt8(ascii: "#") where c.contains(.hashComments):
                i = lineEnd(b, i, n)
            case UInt8(ascii: "/") where b[i + 1] == UInt8(ascii: "/") && c.contains(.slashSlashComments):
                i = lineEnd(b, i, n)
            case UInt8(ascii: "/") where b[i + 1] == UInt8(ascii: "*"):
                guard let end = blockCommentEnd(b, i, n, nested: c.contains(.nestedComments)) else {
                    result.error = SQLLexError(kind: .unterminated(what: "comment"), offset: i)
                    return finishUnterminated(i)
                }
                i = end
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "["):
                if ch == UInt8(ascii: "`") && !c.contains(.backtickQuotes)
                    || ch == UInt8(ascii: "[") && !c.contains(.bracketIdentifiers)
                {
                    token(i, i + 1)
                    i += 1
                    continue
                }
                let escapes =
                    ch == UInt8(ascii: "'")
                    ? c.contains(.backslashEscapes) || isEscapeStringPrefix(b, i)
                    : ch == UInt8(ascii: "\"") && c.contains(.backslashInDoubleQuotes)
                let close = ch == UInt8(ascii: "[") ? UInt8(ascii: "]") : ch
                guard let end = quotedEnd(b, i, n, close: close, backslash: escapes) else {
                    let what = ch == UInt8(ascii: "'") ? "string" : "quoted identifier"
                    result.error = SQLLexError(kind: .unterminated(what: what), offset: i)
                    return finishUnterminated(i)
                }
                token(i, end)
                i = end
            case UInt8(ascii: "$") where c.contains(.dollarQuotes):
                guard let tagEnd = dollarTagEnd(b, i, n) else {
                    let end = wordEnd(b, i + 1, n)
                    token(i, end)
                    i = end
                    continue
                }
                guard let end = dollarQuotedEnd(b, i, tagEnd, n) else {
                    result.error = SQLLexError(kind: .unterminated(what: "dollar-quoted string"), offset: i)
                    return finishUnterminated(i)
                }
                token(i, end)
                i = end
            case UInt8(ascii: ";"):
                if depth != 0 && result.parenthesesBalance {
                    result.parenthesesBalance = false
                    result.firstUnbalancedParenthesis = i
                }
                result.semicolons.append(i)
                closeStatement()
                depth = 0
                i += 1
            case UInt8(ascii: "("), UInt8(ascii: ")"):
                depth += ch == UInt8(ascii: "(") ? 1 : -1
                if depth < 0 && result.parenthesesBalance {
                    result.parenthesesBalance = false
                    result.firstUnbalancedParenthesis = i
                }
                token(i, i + 1)
                i += 1
            default:
                let end = isWordByte(ch) ? wordEnd(b, i, n) : i + 1
                token(i, end)
                i = end
            }
        }
        if depth != 0 && result.parenthesesBalance {
            result.parenthesesBalance = false
            result.firstUnbalancedParenthesis = statementEnd
        }
        closeStatement()
        return result
    }

    private static func lineEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        var j = i
        while j < n && b[j] != UInt8(ascii: "\n") { j += 1 }
        return j
    }

    private static func blockCommentEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int, nested: Bool) -> Int? {
        var j = i + 2
        var depth = 1
        while j < n {
            if b[j] == UInt8(ascii: "*") && b[j + 1] == UInt8(ascii: "/") {
                depth -= 1
                j += 2
                if depth == 0 { return j }
            } else if nested && b[j] == UInt8(ascii: "/") && b[j + 1] == UInt8(ascii: "*") {
                depth += 1
                j += 2
            } else {
                j += 1
            }
        }
        return nil
    }

    private static func quotedEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int, close: UInt8, backslash: Bool)
        -> Int?
    {
        var j = i + 1
        while j < n {
            if backslash && b[j] == UInt8(ascii: "\\") {
                j += 2
                continue
            }
            if b[j] == close {
                if b[j + 1] == close && j + 1 < n {
                    j += 2
                    continue
                }  // a doubled quote stands for itself
                return j + 1
            }
            j += 1
        }
        return nil
    }

    /// `E'...'` (PostgreSQL's escape string): an `E` or `e` that starts a word, right before the quote.
    private static func isEscapeStringPrefix(_ b: UnsafeBufferPointer<UInt8>, _ quote: Int) -> Bool {
        guard quote >= 1, b[quote - 1] | 0x20 == UInt8(ascii: "e") else { return false }
        return quote == 1 || !isWordByte(b[quote - 2])
    }

    /// The end of `$tag$` starting at `i`, or nil when `$` starts no tag (`$1`, a lone `$`).
    private static func dollarTagEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int) -> Int? {
        if i > 0 && isWordByte(b[i - 1]) { return nil }  // part of an identifier such as a$b
        var j = i + 1
        if j < n && b[j] >= UInt8(ascii: "0") && b[j] <= UInt8(ascii: "9") { return nil }
        while j < n && isWordByte(b[j]) && b[j] != UInt8(ascii: "$") { j += 1 }
        return j < n && b[j] == UInt8(ascii: "$") ? j + 1 : nil
    }

    private static func dollarQuotedEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ tagEnd: Int, _ n: Int) -> Int? {
        let tagLength = tagEnd - i
        var j = tagEnd
        while j + tagLength <= n {
            if b[j] == UInt8(ascii: "$") {
                var matches = true
                for k in 0..<tagLength where b[j + k] != b[i + k] {
                    matches = false
                    break
                }
                if matches { return j + tagLength }
            }
            j += 1
        }
        return nil
    }

    static func isWordByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
            || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func wordEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        var j = i
        while j < n && isWordByte(b[j]) { j += 1 }
        return max(j, i + 1)
    }

    private static func word(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self).uppercased()
    }
}

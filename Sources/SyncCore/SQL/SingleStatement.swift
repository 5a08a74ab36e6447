/// The rule that keeps WarehouseSync read-only whatever a model file holds: a model is exactly
/// one statement, and no text reaches a warehouse unless it is one statement under every
/// quoting and comment convention a warehouse or driver might read it with.
public enum SingleStatement {
    /// Why a text is not one statement: the problem and where, as a byte offset into the text.
    public struct Violation: Error, Sendable, Hashable {
        public var problem: String
        public var offset: Int
        /// The first word of a second statement, if that is the problem (`DELETE`).
        public var secondStatementWord: String?
    }

    /// The text's one statement, from the start of the text to the end of its last token
    /// (trailing whitespace, comments and semicolons dropped), as a byte count.
    /// - Throws: `Violation` when the text has no statement, several, or an unterminated string,
    ///   quoted identifier or comment, or unbalanced parentheses.
    public static func end(of text: String) throws(Violation) -> Int { try statement(of: text).end }

    /// The text's one statement (its bounds and first word), checked as `end(of:)` checks it.
    /// - Throws: `Violation`, as `end(of:)`.
    public static func statement(of text: String) throws(Violation) -> SQLLexer.Statement {
        if let nul = text.utf8.firstIndex(of: 0) {
            throw Violation(problem: "a NUL character", offset: text.utf8.distance(from: text.utf8.startIndex, to: nul))
        }
        let native = SQLLexer.lex(text, conventions: .postgres)
        if let error = native.error, case .unterminated(let what) = error.kind {
            throw Violation(problem: "unterminated \(what)", offset: error.offset)
        }
        guard let first = native.statements.first else { throw Violation(problem: "no SQL statement", offset: 0) }
        if native.statements.count > 1 {
            let second = native.statements[1]
            throw Violation(problem: "a second statement", offset: second.start, secondStatementWord: second.firstWord)
        }
        for conventions in SQLConventions.relevant(to: text) {
            let other = SQLLexer.lex(text, conventions: conventions)
            if other.statements.count > 1 {
                let second = other.statements[1]
                throw Violation(
                    problem: "a second statement when read \(describe(conventions))", offset: second.start,
                    secondStatementWord: second.firstWord)
            }
        }
        if !native.parenthesesBalance {
            throw Violation(problem: "unbalanced parentheses", offset: native.firstUnbalancedParenthesis ?? first.start)
        }
        return first
    }

    /// Throws unless `sql` is one statement; every source calls this before sending a model's text.
    /// - Throws: `ConnectorError` (`.query`, SQLSTATE 42601) naming the problem; nothing is sent.
    public static func require(_ sql: String) throws {
        _ = try trimmed(sql)
    }

    /// `sql` without what follows its one statement (trailing whitespace, comments, semicolons).
    /// - Throws: `ConnectorError` as `require`.
    public static func trimmed(_ sql: String) throws -> String {
        do {
            let end = try end(of: sql)
            return String(decoding: Array(sql.utf8.prefix(end)), as: UTF8.self)
        } catch {
            throw ConnectorError(
                .query, "refused to send the query: it has \(error.problem) at byte \(error.offset + 1)",
                sqlState: "42601", hint: "a model is exactly one SELECT statement; WarehouseSync sends nothing else")
        }
    }

    /// How `conventions` differ from PostgreSQL's, in words.
    static func describe(_ conventions: SQLConventions) -> String {
        var parts: [String] = []
        if conventions.contains(.backslashEscapes) {
            parts.append(
                "with \\ escaping quotes in strings (Snowflake, BigQuery, MySQL, PostgreSQL without "
                    + "standard_conforming_strings)"
            )
        }
        if conventions.contains(.backslashInDoubleQuotes) {
            parts.append("with \\ escaping quotes in double quotes (BigQuery, MySQL)")
        }
        if conventions.contains(.slashSlashComments) { parts.append("with // comments (Snowflake)") }
        if conventions.contains(.dashDashNeedsSpace) { parts.append("with -- a comment only before a space (MySQL)") }
        if !conventions.contains(.nestedComments) {
            parts.append("with /* */ comments that do not nest (SQLite, most warehouses)")
        }
        if conventions.contains(.backtickQuotes) {
            parts.append("with `backtick` identifiers (BigQuery, MySQL, SQLite)")
        }
        if conventions.contains(.hashComments) { parts.append("with # comments (BigQuery, MySQL)") }
        if !conventions.contains(.dollarQuotes) { parts.append("without $$ strings (BigQuery, SQLite)") }
        if conventions.contains(.bracketIdentifiers) { parts.append("with [bracket] identifiers (SQLite, SQL Server)") }
        return parts.isEmpty ? "as PostgreSQL reads it" : parts.joined(separator: " and ")
    }
}

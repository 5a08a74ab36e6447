import Testing

@testable import SyncCore

/// The one-statement rule, without a database: what counts as one statement under every
/// dialect's quoting and comments, and what is refused.
@Suite struct SingleStatementTests {
    /// Texts that are one statement in every dialect, with what is sent for each.
    static let single: [(String, String)] = [
        ("SELECT 1", "SELECT 1"),
        ("SELECT 1;", "SELECT 1"),
        ("SELECT 1 ;  ;\n", "SELECT 1"),
        ("SELECT user_id FROM t GROUP BY user_id;  -- one row per customer", "SELECT user_id FROM t GROUP BY user_id"),
        ("SELECT 1 /* a; b */", "SELECT 1"),
        ("SELECT ';' AS s, 'it''s' AS t", "SELECT ';' AS s, 'it''s' AS t"),
        ("SELECT \"a;b\" FROM \"t;\"", "SELECT \"a;b\" FROM \"t;\""),
        ("SELECT $$ it's $$ AS a, $tag$ $$ $tag$ AS b", "SELECT $$ it's $$ AS a, $tag$ $$ $tag$ AS b"),
        ("SELECT $1::int, a$b FROM t", "SELECT $1::int, a$b FROM t"),
        ("SELECT E'it\\'s' AS a -- done;\n", "SELECT E'it\\'s' AS a"),
        ("-- leading comment\nSELECT 1\n-- trailing; comment\n", "-- leading comment\nSELECT 1"),
        ("SELECT 1\r\nFROM t;\r\n", "SELECT 1\r\nFROM t"),
        ("SELECT 'é;' AS ü", "SELECT 'é;' AS ü"),
    ]

    @Test(arguments: single)
    func oneStatementIsSentUpToItsLastToken(text: String, sent: String) throws {
        #expect(try SingleStatement.trimmed(text) == sent)
    }

    /// The attacks of the issue, and texts that are two statements only in some dialect.
    static let several: [String] = [
        "SELECT user_id, v FROM users; COMMIT; DELETE FROM victim;",
        "SELECT 1; ROLLBACK; INSERT INTO victim VALUES (1)",
        "SELECT 1; COMMIT; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; CREATE TABLE x (a int)",
        "SELECT 1; COPY (SELECT 1) TO PROGRAM 'id > /tmp/x'",
        "SELECT 1;DELETE FROM victim",
        // One statement to PostgreSQL, two where \\ escapes a quote (Snowflake, BigQuery, psqlodbc's lexer in some
        // modes).
        "SELECT 'a\\'; DELETE FROM victim; SELECT '",
        // One statement where block comments nest, two where they do not (SQLite, most warehouses).
        "SELECT 1 /* /* */ ; DELETE FROM victim; /* */",
        // One statement where # is an operator, two where it starts a comment.
        "SELECT 1 # '\n; DELETE FROM victim; '",
        // Dollar quotes hide a semicolon from PostgreSQL only.
        "SELECT $$ ; DELETE FROM victim; $$",
        // Backticks and brackets hide a semicolon from the dialects that quote with them only.
        "SELECT `a; DELETE FROM victim; b`",
        "SELECT [a; DELETE FROM victim; b]",
        // PostgreSQL with standard_conforming_strings = off: \ escapes in '...' but not in "...".
        "SELECT 1 AS id, 2 AS \"\\\", 'x\\'' ) q; COMMIT; DELETE FROM victim; SELECT * FROM (SELECT 1 AS id --'\" FROM "
            + "victim",
        // Snowflake's // comments, and MySQL's -- that needs a space.
        "SELECT 1 AS id, 2 AS x // '\n; DELETE FROM t; --'",
        "SELECT 1 AS id, 2 --'\nAS x, ';DELETE FROM t;' AS y --'",
        // A second statement that opens with a string left unterminated in some reading.
        "SELECT $q$a;'b$q$ AS id",
    ]

    @Test(arguments: several)
    func severalStatementsAreRefusedBeforeAnythingIsSent(text: String) {
        #expect(throws: SingleStatement.Violation.self) { try SingleStatement.end(of: text) }
        let error = #expect(throws: ConnectorError.self) { try SingleStatement.require(text) }
        #expect(error?.sqlState == "42601")
        #expect(error?.hint?.contains("one SELECT statement") == true)
    }

    @Test func theSecondStatementIsNamedWithItsPosition() throws {
        let text = "SELECT 1;\nDELETE FROM victim"
        let violation = #expect(throws: SingleStatement.Violation.self) { try SingleStatement.end(of: text) }
        #expect(violation?.secondStatementWord == "DELETE")
        #expect(violation?.offset == 10)
    }

    @Test(arguments: [
        "SELECT 'abc", "SELECT \"abc", "SELECT 1 /* open", "SELECT $q$ open", "SELECT (1", "SELECT 1)", "",
    ])
    func unterminatedOrUnbalancedTextIsRefused(text: String) {
        #expect(throws: SingleStatement.Violation.self) { try SingleStatement.end(of: text) }
    }

    @Test func theLexerFindsFirstWordsAndStatementBounds() {
        let result = SQLLexer.lex("  with a AS (SELECT 1) SELECT * FROM a; values (1)")
        #expect(result.statements.map(\.firstWord) == ["WITH", "VALUES"])
        #expect(result.statements.first?.start == 2)
        #expect(result.semicolons == [38])
    }
}

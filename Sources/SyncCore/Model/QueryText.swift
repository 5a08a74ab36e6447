/// The query part of a model file, checked before anything is sent: exactly one statement,
/// and one that reads (it begins with SELECT, WITH, VALUES, TABLE, FROM or a parenthesis).
enum QueryText {
    struct Problem: Error {
        var line: Int
        var message: String
        var hint: String
    }

    /// The largest query text, in bytes.
    static let maxBytes = 1 << 20

    static let readingWords: Set<String> = ["SELECT", "WITH", "VALUES", "TABLE", "FROM", "("]

    /// The query as it will be sent: `body` up to the end of its statement (trailing comments
    /// and semicolons dropped, so `validate --connect` compiles exactly what `sync` runs).
    /// - Parameter firstLine: the file's line number of `body`'s first line.
    static func check(_ body: String, firstLine: Int) -> Result<String, Problem> {
        /// The file's line of a byte offset into `body`.
        func lineOf(_ offset: Int) -> Int {
            firstLine + body.utf8.prefix(offset).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        }
        if body.utf8.count > maxBytes {
            return .failure(
                Problem(
                    line: firstLine, message: "the query is \(body.utf8.count) bytes, more than \(maxBytes)",
                    hint: "a model is one query; move data into the warehouse and read it from there"))
        }
        if let nul = body.utf8.firstIndex(of: 0) {
            let line = lineOf(body.utf8.distance(from: body.utf8.startIndex, to: nul))
            return .failure(
                Problem(
                    line: line, message: "the query contains a NUL character (byte 0)",
                    hint: "remove it: drivers end the query there, so the warehouse would run only part of it"))
        }
        let statementBounds: SQLLexer.Statement
        do {
            statementBounds = try SingleStatement.statement(of: body)
        } catch {
            let line = lineOf(error.offset)
            if let word = error.secondStatementWord {
                return .failure(
                    Problem(
                        line: line,
                        message: "a model is one SQL statement, but this file has \(error.problem) (\(word) ...)",
                        hint:
                            "remove everything after the query's end; WarehouseSync sends the model as one read-only "
                            + "query and nothing else"
                    ))
            }
            return .failure(
                Problem(
                    line: line, message: "the query has \(error.problem)",
                    hint: "a model is one SELECT statement; close every string, quoted name, comment and parenthesis"))
        }
        let statement = String(decoding: Array(body.utf8.prefix(statementBounds.end)), as: UTF8.self)
        if !readingWords.contains(statementBounds.firstWord) {
            let first = statementBounds
            let line = lineOf(first.start)
            return .failure(
                Problem(
                    line: line, message: "a model is a query, but this one begins with \(first.firstWord)",
                    hint: "begin the model with SELECT, WITH, VALUES, TABLE or FROM; WarehouseSync only reads"))
        }
        return .success(statement)
    }
}

/// Where in a statement a warehouse's error message points: Snowflake says `line 3 at position 7` (the
/// column counted from 0, https://docs.snowflake.com/en/developer-guide/sql-api/handling-errors), BigQuery
/// `at [3:8]` (line and column from 1, https://cloud.google.com/bigquery/docs/error-messages), and the
/// emulators (sqlglot's parser) `Line 3, Col: 8` (from 1).
enum StatementPlace {
    /// The 1-based character position in `statement` of the place `message` names; nil when it names none.
    static func position(message: String, in statement: String) -> Int? {
        guard let (line, column) = place(message), line >= 1 else { return nil }
        var offset = 0
        var current = 1
        for character in statement {
            if current == line { break }
            offset += 1
            if character == "\n" { current += 1 }
        }
        guard current == line else { return nil }
        return offset + column
    }

    /// The 1-based line and column a message names.
    static func place(_ message: String) -> (line: Int, column: Int)? {
        let lower = message.lowercased()
        if let found = numbers(after: "line ", then: " at position ", in: lower) { return (found.0, found.1 + 1) }
        if let found = numbers(after: "line ", then: ", col: ", in: lower) { return (found.0, max(found.1, 1)) }
        if let found = numbers(after: "at [", then: ":", in: lower) { return (found.0, max(found.1, 1)) }
        return nil
    }

    private static func numbers(after first: String, then second: String, in text: String) -> (Int, Int)? {
        var rest = text[...]
        while let start = rest.range(of: first) {
            rest = rest[start.upperBound...]
            let line = rest.prefix(while: \.isNumber)
            guard let lineNumber = Int(line) else { continue }
            let after = rest[line.endIndex...]
            guard after.hasPrefix(second) else { continue }
            if let column = Int(after.dropFirst(second.count).prefix(while: \.isNumber)) { return (lineNumber, column) }
        }
        return nil
    }
}

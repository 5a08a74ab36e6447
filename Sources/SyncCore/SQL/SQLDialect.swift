/// How one kind of warehouse spells the SQL WarehouseSync sends around a model's query. Each kind
/// has its own (Connectors, one folder per kind: docs/architecture.md); the defaults are standard SQL.
public protocol SQLDialect: Sendable {
    /// The kind's name as a project configures it (`postgres`, `sqlite`, ...), for messages.
    var name: String { get }

    /// `identifier` quoted so that any text is one identifier. Default: double quotes.
    func quote(identifier: String) -> String

    /// How the warehouse reads strings, quoted names and comments (what `SQLLexer` follows to find
    /// a model's dbt references, docs/dbt.md). Default: PostgreSQL's.
    var conventions: SQLConventions { get }

    /// `text` as a string literal. Default: single quotes, doubled inside.
    func literal(_ text: String) -> String

    /// The key's text as the warehouse casts it: the one definition of a key. The profile is
    /// stored, compared, shown and sorted by exactly this text (a `char(8)` key `'C001    '` is
    /// `C001`, a `bytea` key is its hex text `\x01ff`, a SQLite blob its hex digits).
    func keyText(_ column: String) -> String

    /// `text` as an `ORDER BY` term that sorts by its bytes, or nil where the warehouse cannot say
    /// so (the result is then ordered by its first column in the warehouse's own order).
    func byteOrder(_ text: String) -> String?

    /// Statements that set up a session for a model's query: read-only where the access mode is
    /// only a hint, the tag naming the model and run, the statement timeout. Default: none.
    func sessionSetup(tag: SessionTag?, timeout: Duration?) -> [String]

    /// The query that reads what the model's query just cost, run on the same session right after
    /// it; nil where the cost comes from elsewhere or is not reported. Default: nil.
    func costQuery(tag: SessionTag) -> String?

    /// The cost query's one row as named measures (`bytes_billed`, `execution_ms`, ...). Default: none.
    func costMeasures(row: [Value]) -> [String: Double]
}

extension SQLDialect {
    public func quote(identifier: String) -> String { SQLText.doubleQuoted(identifier) }

    public func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    public var conventions: SQLConventions { .postgres }

    public func sessionSetup(tag: SessionTag?, timeout: Duration?) -> [String] { [] }

    public func costQuery(tag: SessionTag) -> String? { nil }

    public func costMeasures(row: [Value]) -> [String: Double] { [:] }

    /// The model's query wrapped so that its first column is the key's text (`SQLText.keyTextColumn`)
    /// and rows come ordered by that text in byte order, the order the store keeps snapshots in.
    /// - Parameter keyIsText: the key column is its own text (`Column.textCastIsIdentity`): no copy
    ///   of it is sent. The order is still by the cast, which is valid whatever the column's type
    ///   turns out to be when the query runs (`DiffReceiver.readsKeyAsIs` checks it).
    public func orderedByKey(_ sql: String, key: String, keyIsText: Bool = false) -> String {
        let body = SQLText.stripTrailingSemicolon(sql)
        let text = keyText("q." + quote(identifier: key))
        if keyIsText, let order = byteOrder(text) {
            return "SELECT q.* FROM (\n\(body)\n) q ORDER BY \(order)"
        }
        return "SELECT \(text) AS \(quote(identifier: SQLText.keyTextColumn)), q.* FROM (\n\(body)\n) q ORDER BY "
            + (byteOrder(text) ?? "1")
    }

    /// The query wrapped so that the warehouse compiles it and returns no rows.
    public func compileOnly(_ sql: String) -> String {
        "SELECT * FROM (\n\(SQLText.stripTrailingSemicolon(sql))\n) q WHERE 1 = 0"
    }
}

/// What every dialect's SQL shares.
public enum SQLText {
    /// The name of the column `orderedByKey` puts first: the key's text.
    public static let keyTextColumn = "__warehouse_sync_key"

    /// `identifier` in double quotes, each quote inside doubled (the SQL standard's delimited identifier).
    public static func doubleQuoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `sql` without the semicolons and white space it ends with, so that it can be wrapped.
    public static func stripTrailingSemicolon(_ sql: String) -> String {
        var text = Substring(sql)
        while let last = text.last, last.isWhitespace || last == ";" { text.removeLast() }
        return String(text)
    }

    /// A 1-based character `position` in `sent`, a statement that wraps `query` (`compileOnly`,
    /// `orderedByKey`), as the same place in `query`; nil when it falls in the wrapper's own text.
    public static func position(_ position: Int, in sent: String, of query: String) -> Int? {
        let inner = stripTrailingSemicolon(query)
        guard !inner.isEmpty, let range = sent.range(of: inner) else { return nil }
        let offset = sent.distance(from: sent.startIndex, to: range.lowerBound)
        let moved = position - offset
        return (1...inner.count).contains(moved) ? moved : nil
    }
}

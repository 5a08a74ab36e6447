import SyncCore

/// SQLite's SQL around a model's query (https://sqlite.org/lang.html).
public struct SQLiteDialect: SQLDialect {
    public init() {}

    public var name: String { "sqlite" }

    /// Backtick and `[bracket]` names; no escapes, no nesting, no `$$` strings.
    public var conventions: SQLConventions { [.backtickQuotes, .bracketIdentifiers] }

    /// A blob key is its hex digits.
    public func keyText(_ column: String) -> String {
        "CASE WHEN typeof(\(column)) = 'blob' THEN hex(\(column)) ELSE CAST(\(column) AS TEXT) END"
    }

    /// Ordered by the first column in SQLite's BINARY collation, which is byte order.
    public func byteOrder(_ text: String) -> String? { nil }

    /// For an ODBC session (the SQLite ODBC driver): the native source opens the file read-only.
    public func sessionSetup(tag: SessionTag?, timeout: Duration?) -> [String] { ["PRAGMA query_only = 1"] }
}

import CSQLite
import SyncCore

/// Tells whether a text is JSON as RFC 8259 defines it (no byte order mark, no trailing
/// commas, no comments), by SQLite's `json_valid` on a private in-memory database; Foundation's
/// parser accepts some invalid JSON. Owns its connection; used by one thread at a time.
public final class JSONValidator: JSONChecking {
    private let database: SQLiteDatabase
    private let statement: SQLiteStatement

    /// - Throws: `ConnectorError` when SQLite cannot open an in-memory database.
    public init() throws {
        database = try SQLiteDatabase(path: ":memory:", create: true)
        statement = try database.prepare("SELECT json_valid(?1)")
    }

    /// Whether `text` is valid JSON that PostgreSQL's `jsonb` can hold too (no `\u0000` escape).
    public func isStorable(_ text: String) -> Bool {
        statement.reset()
        statement.bind(1, text)
        guard (try? statement.step()) == true, statement.int64(0) == 1 else { return false }
        return !jsonHasNulEscape(text)
    }
}

@available(*, unavailable)
extension JSONValidator: Sendable {}

import CSQLite
import Foundation
import SyncCore
import Synchronization

/// One SQLite connection. Owns its `sqlite3` handle and closes it in `deinit`; used by one
/// thread at a time.
public final class SQLiteDatabase {
    let handle: OpaquePointer
    public let path: String

    /// Set once, before SQLite's first open. Memory statistics go: they take a global mutex on every
    /// allocation (a first sync makes millions), and nothing here reads them. Statement journals
    /// stay in memory up to `statementJournalBytes`.
    private static let configured: Void = {
        _ = ws_sqlite3_disable_memstatus()
        _ = ws_sqlite3_statement_journal_spill(statementJournalBytes)
    }()

    /// What a statement inside a transaction may keep in memory to undo itself alone (its statement
    /// journal, https://www.sqlite.org/tempfiles.html#statement_journals) before it moves to a file.
    /// Past SQLite's 64 KiB default, one larger statement turned the journal into a file for the
    /// rest of the transaction: a million-row first sync wrote 1.7 GB to it. It must stay under
    /// 128 KiB: SQLite moves it in one write of this size, and a Unix write it makes is at most
    /// 128 KiB (os_unix.c), so a larger bound fails the move as "disk is full".
    static let statementJournalBytes: Int32 = 120 * 1024

    /// Where SQLite writes its temporary files (a statement journal past `statementJournalBytes`, a large
    /// sort), which may be another disk than the database's
    /// (https://www.sqlite.org/tempfiles.html#temporary_file_storage_locations).
    package static let temporaryDirectory = "SQLite's temporary directory (SQLITE_TMPDIR, else TMPDIR, else /var/tmp)"

    /// Opens (or with `create`, creates) the file at `path`; with `noFollow`, a path that is a
    /// symbolic link is an error (`SQLITE_OPEN_NOFOLLOW`).
    /// With `immutable` (read-only only), SQLite assumes no one changes the file while it is open and
    /// needs neither a `-shm` file nor a lock: for a file in a directory this user cannot write.
    public init(
        path: String, readOnly: Bool = false, create: Bool = false, noFollow: Bool = false, immutable: Bool = false
    ) throws {
        Self.configured
        var flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        if noFollow { flags |= SQLITE_OPEN_NOFOLLOW }
        flags |= SQLITE_OPEN_NOMUTEX
        var name = path
        if immutable && readOnly {
            flags |= SQLITE_OPEN_URI
            let escaped = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
            name = "file:\(escaped)?immutable=1"
        }
        var db: OpaquePointer?
        let code = sqlite3_open_v2(name, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(db)
            throw ConnectorError(
                .connectionFailed, "could not open SQLite database \(path): \(message)",
                sqlState: "08001", nativeError: Int(code))
        }
        self.handle = db
        self.path = path
        sqlite3_busy_timeout(db, 30_000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs statements that return no rows.
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(message)
            throw error(code, text)
        }
    }

    /// Prepares one statement; with `single`, any statement after it is an error, not ignored.
    public func prepare(_ sql: String, single: Bool = false) throws -> SQLiteStatement {
        try SQLiteStatement(database: self, sql: sql, single: single)
    }

    /// Makes `ATTACH` fail on this connection, so a query can reach no other database file.
    public func forbidAttach() {
        sqlite3_limit(handle, SQLITE_LIMIT_ATTACHED, 0)
    }

    /// Whether closing the last connection folds the write-ahead log into the database file
    /// (SQLite's default). A store turns it off to checkpoint off the run's path instead.
    public func setCheckpointOnClose(_ enabled: Bool) {
        _ = ws_sqlite3_checkpoint_on_close(handle, enabled ? 1 : 0)
    }

    /// The rowid of the last row inserted on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Whether no transaction is open on this connection (`sqlite3_get_autocommit`).
    public var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    /// Stops the statement running on this connection; safe from any thread.
    package func interruptHandle() -> SQLiteInterrupt { SQLiteInterrupt(self) }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func error(_ code: Int32, _ message: String? = nil, offset: Int32 = -1) -> ConnectorError {
        let primary = code & 0xff
        // SQLite reports a file it could not create or grow on a full disk as a plain I/O error
        // (a -wal file that must be made anew); the system's errno says what it was.
        let system = sqlite3_system_errno(handle)
        if primary == SQLITE_FULL || (primary == SQLITE_IOERR && (system == ENOSPC || system == EDQUOT)) {
            let reason = system == EDQUOT ? "the disk quota is used up" : "the disk is full"
            return ConnectorError(
                .query, "\(reason) (\(message ?? lastMessage))", sqlState: "53100",
                hint: "free space on the disk of \(path) (SQLite needs room for its -wal file too) and in "
                    + Self.temporaryDirectory,
                nativeError: Int(code))
        }
        let kind: ConnectorError.Code =
            primary == SQLITE_INTERRUPT
            ? .cancelled
            : (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) ? .timeout : .query
        return ConnectorError(
            kind, message ?? lastMessage, sqlState: primary == SQLITE_READONLY ? "25006" : nil,
            position: offset >= 0 ? Int(offset) + 1 : nil, nativeError: Int(code))
    }
}

@available(*, unavailable)
extension SQLiteDatabase: Sendable {}

/// Interrupts the statement running on a connection, from any thread (`sqlite3_interrupt` is
/// thread-safe). It keeps the connection alive, so it never touches a freed handle, and it
/// interrupts only while armed: a timer or cancel that fires after the statement ended is ignored
/// instead of stopping the next one.
package final class SQLiteInterrupt: @unchecked Sendable {
    // Only sqlite3_interrupt, which SQLite allows from any thread, is called through it.
    private let database: SQLiteDatabase
    private let armed = Mutex(true)

    init(_ database: SQLiteDatabase) { self.database = database }

    package func send() {
        armed.withLock { isArmed in if isArmed { sqlite3_interrupt(database.handle) } }
    }

    /// After this returns no interrupt from this handle reaches the connection.
    package func disarm() { armed.withLock { $0 = false } }
}

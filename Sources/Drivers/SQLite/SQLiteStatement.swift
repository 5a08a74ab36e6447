import CSQLite
import Foundation
import SyncCore

private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared SQLite statement; finalized in `deinit`. Reuse it with `reset()` and new bindings.
public final class SQLiteStatement {
    package let handle: OpaquePointer
    let database: SQLiteDatabase

    /// Prepares `sql`; with `single`, text after the first statement (SQLite ignores it) is an error.
    init(database: SQLiteDatabase, sql: String, single: Bool = false) throws {
        var statement: OpaquePointer?
        var rest = ""
        let code = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(
                database.handle, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, &tail)
            if let tail { rest = String(cString: tail) }
            return code
        }
        guard code == SQLITE_OK, let statement else {
            // SQLite counts bytes; an error's position counts characters, as PostgreSQL's does.
            let byteOffset = Int(sqlite3_error_offset(database.handle))
            let characters =
                byteOffset >= 0
                ? String(decoding: Array(sql.utf8).prefix(byteOffset), as: UTF8.self).unicodeScalars.count : -1
            throw database.error(code, offset: Int32(characters))
        }
        if single && !SQLLexer.lex(rest, conventions: [.backtickQuotes, .bracketIdentifiers]).statements.isEmpty {
            sqlite3_finalize(statement)
            throw ConnectorError(
                .query, "refused to run the query: it has a second statement", sqlState: "42601",
                hint: "a model is exactly one SELECT statement")
        }
        self.handle = statement
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    public func bind(_ index: Int32, _ text: String?) {
        guard let text else {
            sqlite3_bind_null(handle, index)
            return
        }
        sqlite3_bind_text(handle, index, text, -1, SQLITE_TRANSIENT)
    }

    public func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }

    public func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(handle, index, value) }

    /// Binds UTF-8 `bytes` as text.
    public func bind(_ index: Int32, text bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes {
            sqlite3_bind_text(
                handle, index, $0.baseAddress?.assumingMemoryBound(to: CChar.self), Int32($0.count), SQLITE_TRANSIENT)
        }
    }

    /// Binds UTF-8 `bytes` as text (empty: the empty string, never NULL) without copying them: the
    /// caller keeps them alive and unchanged until the statement has stepped and is reset or bound anew.
    public func bind(_ index: Int32, borrowingText bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else {
            sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT)
            return
        }
        sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
    }

    /// Binds `bytes` as a blob (empty: the empty blob, never NULL) without copying them, kept alive
    /// as `bind(_:borrowingText:)`'s.
    public func bind(_ index: Int32, borrowingBlob bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else {
            sqlite3_bind_zeroblob(handle, index, 0)
            return
        }
        sqlite3_bind_blob(handle, index, base, Int32(bytes.count), nil)
    }

    public func bind(_ index: Int32, blob: [UInt8]) {
        _ = blob.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
    }

    /// Advances to the next row; false when done.
    @discardableResult
    public func step() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw database.error(code)
    }

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }
    public func columnName(_ index: Int) -> String { String(cString: sqlite3_column_name(handle, Int32(index))) }
    package func declaredType(_ index: Int) -> String? {
        sqlite3_column_decltype(handle, Int32(index)).map { String(cString: $0) }
    }
    package func storageClass(_ index: Int) -> Int32 { sqlite3_column_type(handle, Int32(index)) }

    /// A column value's storage class in the current row, as a Swift value.
    package enum Storage { case null, integer, float, text, blob }

    /// The storage class of column `index` in the current row.
    package func storage(_ index: Int) -> Storage {
        switch storageClass(index) {
        case SQLITE_NULL: .null
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .float
        case SQLITE_BLOB: .blob
        default: .text
        }
    }

    /// Whether the statement writes nothing to the database (`sqlite3_stmt_readonly`).
    package var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }

    public func isNull(_ index: Int) -> Bool { storageClass(index) == SQLITE_NULL }
    public func int64(_ index: Int) -> Int64 { sqlite3_column_int64(handle, Int32(index)) }
    public func double(_ index: Int) -> Double { sqlite3_column_double(handle, Int32(index)) }

    public func text(_ index: Int) -> String? {
        guard let pointer = sqlite3_column_text(handle, Int32(index)) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The text of a column, or nil when it is NULL or not valid UTF-8.
    public func validText(_ index: Int) -> String? {
        guard let pointer = sqlite3_column_text(handle, Int32(index)) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return String(validating: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    public func blob(_ index: Int) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        guard count > 0, let pointer = sqlite3_column_blob(handle, Int32(index)) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Calls `body` with the bytes of a text or blob column, valid only during the call.
    public func withBytes<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let pointer = sqlite3_column_blob(handle, Int32(index))
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

@available(*, unavailable)
extension SQLiteStatement: Sendable {}

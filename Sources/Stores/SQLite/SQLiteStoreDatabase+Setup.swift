import Drivers
import Foundation
import SyncCore

/// Setting up a store file: WAL mode, and waiting out the locks of another process setting it up.
extension SQLiteStoreDatabase {
    /// Puts a new store file in WAL mode (the mode is kept in the file). Switching needs the file to
    /// itself, and SQLite does not wait for that: two processes opening a brand-new store at once
    /// would see "database is locked". A store already in WAL mode is left as it is.
    static func useWriteAheadLog(_ db: SQLiteDatabase) throws {
        try whileBusy {
            // The statement that reads the mode must be done before the mode can change.
            let current = try { () throws -> String? in
                let mode = try db.prepare("PRAGMA journal_mode")
                return try mode.step() ? mode.text(0)?.lowercased() : nil
            }()
            if current != "wal" { try db.execute("PRAGMA journal_mode = WAL") }
        }
    }

    /// Throws unless the file at `path` is empty (a new store) or a WarehouseSync store: a warehouse
    /// file or any other file named by mistake is left exactly as it is (no tables, mode or journal).
    static func refuseForeignFile(_ path: String, immutable: Bool = false) throws {
        let hint = "point [store] url at a new file (it is created) or at a WarehouseSync store"
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw StoreError("\(path) is not a regular file, so not a WarehouseSync store", hint: hint, code: .file)
        }
        guard let size = attributes[.size] as? Int, size > 0 else { return }
        let isStore: Bool
        do {
            let probe = try SQLiteDatabase(path: path, readOnly: true, noFollow: true, immutable: immutable)
            let tables = try probe.prepare(
                "SELECT count(*), count(*) FILTER (WHERE name = 'ws_meta') FROM sqlite_master WHERE type = 'table'")
            _ = try tables.step()
            isStore = tables.int64(0) == 0 || tables.int64(1) == 1
        } catch let error as ConnectorError where error.nativeError.map({ $0 & 0xff == 26 }) == true {
            // SQLITE_NOTADB
            throw StoreError(
                "\(path) is not a SQLite database, so not a WarehouseSync store", hint: hint, code: .location)
        }
        guard isStore else {
            throw StoreError(
                "\(path) is a SQLite database but not a WarehouseSync store (it has no ws_meta table); it was left "
                    + "untouched", hint: hint, code: .location)
        }
    }

    /// Runs `body` again while SQLite answers "database is locked" at once (a new store being set up
    /// by another connection: its busy handler does not cover every lock), for up to `limit`; the
    /// answer comes as the driver's error or, through the store's statements, as a classified one.
    static func whileBusy<T>(limit: Duration = .seconds(30), _ body: () throws -> T) throws -> T {
        let deadline = ContinuousClock.now + limit
        while true {
            do {
                return try body()
            } catch
                where ContinuousClock.now < deadline
                && ((error as? ConnectorError)?.code == .timeout || (error as? StoreError)?.code == .busy)
            {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }
}

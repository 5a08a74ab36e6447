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

    /// Runs `body` again while SQLite answers "database is locked" at once (a new store being set up
    /// by another connection: its busy handler does not cover every lock), for up to 30 s.
    static func whileBusy<T>(_ body: () throws -> T) throws -> T {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try body()
            } catch let error as ConnectorError where error.code == .timeout && ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }
}

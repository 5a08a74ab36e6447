import Drivers
import Foundation
import SyncCore

/// The embedded store: one SQLite file in WAL mode, behind the store written once (`SQLStore`).
package typealias SQLiteStore = SQLStore<SQLiteStoreDatabase>

extension SQLStore where Database == SQLiteStoreDatabase {
    /// Opens (creating it and its directory if needed) the store file, and migrates it if it is
    /// behind this binary's schema.
    /// - Throws: `StoreError` when the store is newer than this binary; `ConnectorError` when the
    ///   file cannot be opened.
    package convenience init(path: String) throws {
        let database = try SQLiteStoreDatabase(path: path)
        // Only a store behind this binary's schema takes the write lock to migrate; a current one is
        // only read, and a newer one is refused.
        try SQLiteStoreDatabase.whileBusy { try Self.makeCurrent(database) }
        self.init(database: database)
    }

    /// Opens the store for reading only: no file is created or changed and no lock is taken,
    /// so it works on a read-only store file, beside a long commit. A store that does not exist yet,
    /// or is at an older schema version, is created or migrated first (which needs write access once).
    /// - Throws: `StoreError` when the store is newer than this binary or cannot be read.
    package convenience init(readingOnly path: String) throws {
        try PrivateFiles.refuseLink(path, what: "the store")
        guard FileManager.default.fileExists(atPath: path) else {
            try self.init(path: path)  // a new project: the store is made as a sync would make it
            return
        }
        let database = try SQLiteStoreDatabase(readingOnly: path)
        if try Self.isCurrent(database) {
            self.init(database: database)
        } else {
            try self.init(path: path)
        }
    }

    /// The store's SQLite connection.
    package var db: SQLiteDatabase { database.db }

    /// Waits for the checkpoint `startCheckpoint` began; its error, if it failed.
    @discardableResult
    package func waitForCheckpoint() -> (any Error)? { database.waitForCheckpoint() }
}

/// The SQLite side of the store's seam: one connection to the store file.
package final class SQLiteStoreDatabase: StoreDatabase {
    let db: SQLiteDatabase
    let path: String
    private var checkpointer: SQLiteCheckpointer?
    /// Prepared statements of `run` and `query`, by text: a revert or a delivery runs the same few
    /// statements once per change.
    private var statements: [String: SQLiteStatement] = [:]
    /// Log pages (4 KiB each) past which a commit checkpoints at once instead of leaving it.
    static let inlineCheckpointPages = 65536

    package var dialect: StoreDialect { .sqlite }
    package var name: String { path }
    package lazy var place: String = path
    package var isFile: Bool { true }
    package static var migrations: [String] { SQLiteMigrations.steps }

    /// Opens the file for reading only, taking no lock and writing nothing. A store in a directory
    /// this user cannot write, with no write-ahead log beside it, cannot be written by anyone with
    /// these rights either, and SQLite could not create its `-shm` file: it is read as immutable.
    init(readingOnly path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        let frozen =
            access(directory.isEmpty ? "." : directory, W_OK) != 0
            && !FileManager.default.fileExists(atPath: path + "-wal")
        try Self.refuseForeignFile(path, immutable: frozen)
        db = try SQLiteDatabase(path: path, readOnly: true, noFollow: true, immutable: frozen)
        db.setCheckpointOnClose(false)
    }

    /// Opens the file for writing, creating it (owner-only) and its directory if needed.
    init(path: String) throws {
        try PrivateFiles.makeDirectory((path as NSString).deletingLastPathComponent)
        // Profiles are customer data: the file is its owner's only, and SQLite gives its -wal and
        // -shm files the database file's mode.
        PrivateFiles.createIfMissing(path)
        try PrivateFiles.refuseLink(path, what: "the store")
        self.path = path
        try Self.refuseForeignFile(path)
        db = try SQLiteDatabase(path: path, create: true, noFollow: true)
        for file in [path, path + "-wal", path + "-shm"] { PrivateFiles.restrictToOwner(file) }
        // Commits sync the log (durable when a run returns); copying the log into the file is left
        // to the next run's background checkpoint, or done at once after a run that wrote more
        // than 256 MB, so the log stays bounded.
        try Self.useWriteAheadLog(db)
        // A 4 MB page cache: a run writes and reads its B-trees in key order, so the pages it needs stay
        // few; 16 MB was no faster at 1M or 10M rows and cost 12 MB of resident memory.
        try db.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -4096")
        try db.execute(
            "PRAGMA wal_autocheckpoint = \(Self.inlineCheckpointPages); PRAGMA journal_size_limit = 67108864")
        db.setCheckpointOnClose(false)
    }

    deinit { checkpointer?.wait() }

    package func startCheckpoint() {
        if checkpointer == nil { checkpointer = SQLiteCheckpointer(path: path) }
    }

    func waitForCheckpoint() -> (any Error)? { checkpointer?.wait() }

    // MARK: - Statements

    private func prepare(_ sql: String, _ values: [StoreValue]) throws -> SQLiteStatement {
        let statement = try db.prepare(sql)
        bind(statement, values)
        return statement
    }

    private func bind(_ statement: SQLiteStatement, _ values: [StoreValue]) {
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .null: statement.bind(position, nil as String?)
            case .text(let text): statement.bind(position, text)
            case .integer(let n): statement.bind(position, n)
            case .real(let x): statement.bind(position, x)
            case .blob(let bytes): statement.bind(position, blob: bytes)
            }
        }
    }

    /// The cached statement for `sql` with `values` bound; reset when the caller is done.
    private func cached(_ sql: String, _ values: [StoreValue]) throws -> SQLiteStatement {
        guard let statement = statements[sql] else {
            let statement = try prepare(sql, values)
            statements[sql] = statement
            return statement
        }
        statement.reset()
        bind(statement, values)
        return statement
    }

    package func run(_ sql: String, _ values: [StoreValue]) throws -> Int {
        try classifying {
            let statement = try cached(sql, values)
            defer { statement.reset() }
            while try statement.step() {}
            return db.changes
        }
    }

    package func query(_ sql: String, _ values: [StoreValue], _ row: (any StoreRow) throws -> Void) throws {
        try classifying {
            let statement = try cached(sql, values)
            defer { statement.reset() }
            let current = SQLiteStoreRow(statement: statement)
            while try statement.step() { try row(current) }
        }
    }

    package func runScript(_ sql: String) throws { try classifying { try db.execute(sql) } }

    package func tableExists(_ table: StoreTable) throws -> Bool {
        try first("SELECT count(*) FROM sqlite_master WHERE name = ?1", [.text(dialect.table(table))]) {
            $0.integer(0)
        } == 1
    }

    package func columns(of table: StoreTable) throws -> Set<String> {
        var names: Set<String> = []
        try query("SELECT name FROM pragma_table_info(?1)", [.text(dialect.table(table))]) { row in
            if let name = row.text(0) { names.insert(name) }
        }
        return names
    }

    // MARK: - Transactions

    package func beginWrite() throws { try classifying { try db.execute("BEGIN IMMEDIATE") } }
    /// `BEGIN IMMEDIATE` already made this the only writer of the file.
    package func lockForCommit(model: String) throws {}
    package func beginMigration() throws { try classifying { try db.execute("BEGIN IMMEDIATE") } }

    package func readerViews() throws -> [String: Bool] {
        var names: [String] = []
        try query(
            "SELECT name FROM sqlite_master WHERE type = 'view' AND name NOT IN ('ws_changes', 'profile_traits')", []
        ) { row in
            if let name = row.text(0) { names.append(name) }
        }
        // A view's table and columns are resolved when a statement reading it is prepared.
        return Dictionary(
            uniqueKeysWithValues: names.map { name in
                let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                return (name, (try? db.prepare("SELECT * FROM \(quoted) LIMIT 0")) != nil)
            })
    }

    package func lockHolders() throws -> [String] { [] }
    package func commitTransaction() throws {
        try classifying { try db.execute("COMMIT") }
        // Past the inline mark the commit has already copied the log into the file; restarting the log
        // and cutting it back now spares every later read a lookup among millions of log frames (the run
        // after a 10M-row first sync took 19.6 s instead of 6.8 s). A reader in the way only defers it.
        let log = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        if log > Self.inlineCheckpointPages * 4096 {
            try? db.execute("PRAGMA busy_timeout = 1000")
            defer { try? db.execute("PRAGMA busy_timeout = 30000") }
            try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }
    package func rollback() { try? db.execute("ROLLBACK") }

    // MARK: - Bulk paths

    package func changeWriter(
        record: RunRecord, runSeq: Int64, traitNames: [String], previousTraitNames: [String], logChanges: Bool,
        destinations: [String], intoEmptyStore: Bool
    ) throws
        -> any StoreChangeWriter
    {
        try classifying {
            ClassifyingChangeWriter(
                inner: try SQLiteChangeWriter(
                    db: db, record: record, runSeq: runSeq, traitNames: traitNames,
                    previousTraitNames: previousTraitNames, logChanges: logChanges, destinations: destinations,
                    intoEmptyStore: intoEmptyStore), place: place, isFile: isFile)
        }
    }

    /// The traits stay in the read: a row's blob is read only when asked for, so nothing is deferred.
    package func snapshotCursor(model: String, deferringTraits: Bool) throws -> any SnapshotCursor {
        let statement = try classifying {
            try prepare("SELECT key, hash, traits FROM ws_snapshots WHERE model = ?1 ORDER BY key", [.text(model)])
        }
        return ClassifyingCursor(inner: SQLiteSnapshotCursor(statement: statement), place: place, isFile: isFile)
    }
}

@available(*, unavailable)
extension SQLiteStoreDatabase: Sendable {}

/// The current row of a SQLite statement.
struct SQLiteStoreRow: StoreRow {
    let statement: SQLiteStatement

    func text(_ column: Int) -> String? { statement.isNull(column) ? nil : statement.text(column) }
    func integer(_ column: Int) -> Int64? { statement.isNull(column) ? nil : statement.int64(column) }
    func real(_ column: Int) -> Double? { statement.isNull(column) ? nil : statement.double(column) }
    func blob(_ column: Int) -> [UInt8]? { statement.isNull(column) ? nil : statement.blob(column) }
}

/// Reads `ws_snapshots` in key order; the traits blob is read only for the rows that need it.
final class SQLiteSnapshotCursor: SnapshotCursor {
    private let statement: SQLiteStatement
    private(set) var hash: UInt64 = 0

    init(statement: SQLiteStatement) { self.statement = statement }

    /// Read from the row only when asked (rows that left the model): most rows compare as bytes.
    var key: String { statement.text(0) ?? "" }

    func next() throws -> Bool {
        guard try statement.step() else { return false }
        hash = UInt64(bitPattern: statement.int64(1))
        return true
    }

    func compareKey(to other: UnsafeRawBufferPointer) -> Int {
        statement.withBytes(0) { mine in compareBytes(mine, other) }
    }

    func traits() -> EncodedTraits { EncodedTraits(bytes: statement.blob(2)) }
    func close() { statement.reset() }
}

import Foundation
import SyncCore

/// The seam between the store's logic, written once in `SQLStore`, and one SQL engine: how to run
/// a statement, read rows, take the write locks a commit needs, bulk-load a run's changes and
/// stream a snapshot. Everything else about the store is the same SQL on both engines, spelled
/// through `dialect`.
package protocol StoreDatabase: AnyObject {
    /// How this engine spells the store's tables, parameters, instants and JSON.
    var dialect: StoreDialect { get }
    /// Names the store in errors: its file, or "the PostgreSQL store".
    var name: String { get }
    /// The store as its errors name it (`StoreLocation.place`): a driver's error in any step below
    /// is thrown as a `StoreError` about it (`classifying`).
    var place: String { get set }
    /// A SQLite file, not a server: a failure to open it is never a server that may come back.
    var isFile: Bool { get }
    /// The schema's steps, one per version, as scripts of this engine's DDL.
    static var migrations: [String] { get }

    /// Runs one statement with `values` bound to its parameters 1...n.
    /// - Returns: the number of rows it inserted, updated or deleted.
    @discardableResult func run(_ sql: String, _ values: [StoreValue]) throws -> Int
    /// Runs a query and calls `row` once per result row, in order.
    func query(_ sql: String, _ values: [StoreValue], _ row: (any StoreRow) throws -> Void) throws
    /// Runs a script of statements without parameters (migrations).
    func runScript(_ sql: String) throws
    /// Whether the store's table exists.
    func tableExists(_ table: StoreTable) throws -> Bool
    /// The names of a table's columns.
    func columns(of table: StoreTable) throws -> Set<String>

    /// Begins a write transaction (SQLite: `BEGIN IMMEDIATE`, which excludes other writers).
    func beginWrite() throws
    /// Inside `beginWrite`: takes what makes this the only commit of `model` and the only one
    /// deciding trait ownership until the transaction ends (PostgreSQL: the lease row and an
    /// advisory lock; SQLite: nothing more, its write lock already does).
    func lockForCommit(model: String) throws
    /// Begins the migration's transaction, with the lock that lets one process migrate at a time.
    func beginMigration() throws
    /// The views of the store's readers (not the store's own) that read its tables, each with whether
    /// it reads now: SQLite keeps a view whose table or column is gone and fails only when it is read;
    /// PostgreSQL refuses a change that would break one, so there every one reads.
    func readerViews() throws -> [String: Bool]
    /// The sessions other than this one that hold a lock on the store's tables, each described as its
    /// server reports it (pid, user, application, state); none for SQLite, whose writers wait in turn.
    func lockHolders() throws -> [String]
    func commitTransaction() throws
    /// Rolls back the open transaction; never throws (the connection may be gone).
    func rollback()

    /// A writer of one run's changes to profiles, the snapshot and the change log, inside the
    /// commit's transaction; `previousTraitNames` lay out the changes' old values. `intoEmptyStore`:
    /// the store holds no profile and no snapshot row of the model, so no change can collide with a row.
    func changeWriter(
        record: RunRecord, runSeq: Int64, traitNames: [String], previousTraitNames: [String], logChanges: Bool,
        destinations: [String], intoEmptyStore: Bool
    ) throws -> any StoreChangeWriter
    /// The model's snapshot rows in byte order of their keys; with `deferringTraits`, an engine may
    /// leave the traits out of the read (`SnapshotCursor.defersTraits`).
    func snapshotCursor(model: String, deferringTraits: Bool) throws -> any SnapshotCursor
    /// Starts upkeep earlier runs left in the background (SQLite: a WAL checkpoint).
    func startCheckpoint()
}

extension StoreDatabase {
    package func startCheckpoint() {}

    /// Runs one statement without parameters.
    @discardableResult package func run(_ sql: String) throws -> Int { try run(sql, []) }

    /// The first row's values read by `read`, or nil when the query returns no row.
    package func first<T>(_ sql: String, _ values: [StoreValue] = [], _ read: (any StoreRow) throws -> T?) throws
        -> T?
    {
        var result: T?
        var seen = false
        try query(sql, values) { row in
            if !seen { result = try read(row) }
            seen = true
        }
        return result
    }
}

/// A value bound to a store statement's parameter. Instants travel as seconds since 1970 (`real`);
/// the dialect's `instant` parameter turns them into the engine's timestamp.
package enum StoreValue: Sendable, Equatable {
    case null
    case text(String)
    case integer(Int64)
    case real(Double)
    case blob([UInt8])

    package init(_ text: String?) { self = text.map { .text($0) } ?? .null }
}

/// One result row; columns are numbered from 0. A NULL reads as nil.
package protocol StoreRow {
    func text(_ column: Int) -> String?
    func integer(_ column: Int) -> Int64?
    func real(_ column: Int) -> Double?
    func blob(_ column: Int) -> [UInt8]?
}

extension StoreRow {
    /// A column holding seconds since 1970 (the dialect's `epoch`), as a date.
    package func instant(_ column: Int) -> Date? { real(column).map(Date.init(timeIntervalSince1970:)) }
}

/// Writes one run's changes to profiles and the snapshot; `finish` writes what it still holds.
package protocol StoreChangeWriter {
    mutating func apply(_ change: Change) throws
    mutating func finish() throws
}

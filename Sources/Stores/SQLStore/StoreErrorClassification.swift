import Drivers
import Foundation
import SyncCore

/// Where store errors are classified: at the engine's side of the store's seam (`StoreDatabase`),
/// each step that reaches a driver turns the driver's error into a `StoreError` that names the
/// store (its file, or its server without the password), says what to do, and says whether a
/// retry may succeed, so a store failure is never taken for a warehouse failure.
extension StoreDatabase {
    /// Runs one of the engine's steps, its driver's errors classified as this store's.
    @discardableResult
    func classifying<T>(_ body: () throws -> T) throws -> T {
        try StoreError.classifying(place: place, isFile: isFile, body)
    }
}

extension StoreError {
    /// Runs `body`, its error classified as the store's at `place`.
    static func classifying<T>(place: String, isFile: Bool, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw classified(error, place: place, isFile: isFile)
        }
    }

    /// `error` as `classify` throws it.
    package static func classified(_ error: any Error, place: String, isFile: Bool) -> any Error {
        switch error {
        case let error as StoreError: return error
        case let error as ConnectorError: return StoreError.from(error, place: place, isFile: isFile)
        case let error as SyncError: return error  // a check the commit ran (trait ownership) refused it
        // The commit read the run's changes from a local file, not the store.
        case let error as SpoolError: return error
        default:
            return StoreError(
                "the store \(place) failed: \(error.localizedDescription)",
                hint: "check that the store's file and its directory exist and are writable by this user", code: .file)
        }
    }

}

/// A snapshot cursor whose errors are classified like its store's.
final class ClassifyingCursor: SnapshotCursor {
    private let inner: any SnapshotCursor
    private let place: String
    private let isFile: Bool
    init(inner: any SnapshotCursor, place: String, isFile: Bool) {
        self.inner = inner
        self.place = place
        self.isFile = isFile
    }
    /// Called once a snapshot row: no closure, so the success path retains nothing.
    func next() throws -> Bool {
        do {
            return try inner.next()
        } catch {
            throw StoreError.classified(error, place: place, isFile: isFile)
        }
    }
    var key: String { inner.key }
    var hash: UInt64 { inner.hash }
    func compareKey(to key: UnsafeRawBufferPointer) -> Int { inner.compareKey(to: key) }
    func traits() -> EncodedTraits { inner.traits() }
    var defersTraits: Bool { inner.defersTraits }
    func traits(of keys: [String]) throws -> [EncodedTraits?] { try classifying { try inner.traits(of: keys) } }
    func rereadWithTraits() throws -> any SnapshotCursor {
        try classifying { ClassifyingCursor(inner: try inner.rereadWithTraits(), place: place, isFile: isFile) }
    }
    private func classifying<T>(_ body: () throws -> T) throws -> T {
        try StoreError.classifying(place: place, isFile: isFile, body)
    }
    func close() { inner.close() }
}

/// A change writer whose errors are classified like its store's.
struct ClassifyingChangeWriter: StoreChangeWriter {
    var inner: any StoreChangeWriter
    let place: String
    let isFile: Bool

    mutating func apply(_ change: Change) throws {
        try StoreError.classifying(place: place, isFile: isFile) { try inner.apply(change) }
    }

    mutating func finish() throws {
        try StoreError.classifying(place: place, isFile: isFile) { try inner.finish() }
    }
}

extension StoreError {
    /// What to free when the store reports a full disk. SQLite cannot say which disk: it may be its
    /// temporary directory's (`SQLiteDatabase.temporaryDirectory`).
    static func fullDiskHint(isFile: Bool) -> String {
        guard isFile else { return "free space on the store's disk" }
        return "free space on the store's disk (a SQLite store needs room for its -wal file too) and in "
            + SQLiteDatabase.temporaryDirectory
    }

    /// A driver's error on the store at `place`, with what to do about it.
    /// `isFile`: the store is a SQLite file, so failing to open it is never a server that may come back.
    static func from(_ error: ConnectorError, place: String, isFile: Bool = false) -> StoreError {
        var classified = classify(error, place: place, isFile: isFile)
        classified.sqlState = isFile ? nil : error.sqlState
        return classified
    }

    private static func classify(_ error: ConnectorError, place: String, isFile: Bool) -> StoreError {
        // SQLSTATE means something to a server's operator, not for a file.
        let state = isFile ? nil : error.sqlState
        let text = "the store \(place): \(error.message)" + (state.map { " (SQLSTATE \($0))" } ?? "")
        let lower = error.message.lowercased()
        // 53100: PostgreSQL's disk_full, and what the SQLite driver reports for a full disk.
        if error.sqlState == "53100" || lower.contains("no space left on device") {
            return StoreError(text, hint: fullDiskHint(isFile: isFile) + "; runs retry", transient: true, code: .file)
        }
        if lower.contains("readonly") || lower.contains("read-only") || lower.contains("unable to open database file") {
            return StoreError(
                text,
                hint: "check that the store's file and its directory exist and are writable by this user "
                    + "(SQLite writes a -wal and a -shm file beside it)", code: .file)
        }
        if isFile && (error.code == .connectionFailed || error.code == .connectionLost || lower.contains("i/o error")) {
            return StoreError(
                text,
                hint: "[store] url must name a SQLite store file (a new path is created): check that it is a "
                    + "regular file, not a directory or device, that this user can read and write", code: .file)
        }
        if error.code == .connectionFailed && error.sqlState == "08P01" {
            return StoreError(
                text, hint: "fix [store] url in warehouse-sync.toml; retrying cannot help", code: .location)
        }
        if error.code == .connectionFailed || error.code == .connectionLost {
            return StoreError(
                text, hint: "check that the store's server is running and reachable; runs retry", transient: true,
                code: .connection)
        }
        if lower.contains("disk") && (lower.contains("full") || lower.contains("space")) {
            return StoreError(text, hint: fullDiskHint(isFile: isFile), transient: true, code: .file)
        }
        if isFile && error.code == .timeout {
            return StoreError(
                text,
                hint: "another process held the store's write lock longer than 30 s (a long commit, a migration, "
                    + "or a sqlite3 shell or tool with an open write transaction): let it finish or end its "
                    + "transaction, then run again; runs retry", transient: true, code: .busy)
        }
        return StoreError(text, hint: error.hint, transient: error.isTransient)
    }
}

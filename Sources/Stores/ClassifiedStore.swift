import Drivers
import Foundation
import SyncCore

/// Every store, as callers get it from `StoreLocation.open()`: errors from the store's driver
/// become `StoreError`s that name the store (its file, or its server without the password), say
/// what to do, and say whether a retry may succeed, so a store failure is never taken for a
/// warehouse failure. The one place where store errors are classified.
final class ClassifiedStore: Store {
    private let inner: any Store
    private let place: String
    /// A SQLite store (a file), not a server.
    private let isFile: Bool

    init(_ inner: any Store, place: String, isFile: Bool) {
        self.inner = inner
        self.place = place
        self.isFile = isFile
    }

    /// Runs `body`, turning a driver's error into a `StoreError` about `place`.
    static func classify<T>(_ place: String, isFile: Bool, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw classified(error, place: place, isFile: isFile)
        }
    }

    /// `error` as `classify` throws it.
    static func classified(_ error: any Error, place: String, isFile: Bool) -> any Error {
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

    private func run<T>(_ body: () throws -> T) throws -> T { try Self.classify(place, isFile: isFile, body) }

    func snapshotInfo(model: String) throws -> SnapshotInfo? { try run { try inner.snapshotInfo(model: model) } }
    func storeID() throws -> String { try run { try inner.storeID() } }
    func traitNamesByModel() throws -> [String: [String]] { try run { try inner.traitNamesByModel() } }
    func snapshotCursor(model: String) throws -> any SnapshotCursor {
        try run { ClassifiedCursor(inner: try inner.snapshotCursor(model: model), place: place, isFile: isFile) }
    }
    func commit(_ commit: RunCommit) throws -> RunRecord { try run { try inner.commit(commit) } }
    func record(_ record: RunRecord) throws { try run { try inner.record(record) } }
    func runs(model: String?, limit: Int) throws -> [RunRecord] {
        try run { try inner.runs(model: model, limit: limit) }
    }
    func run(id: String) throws -> RunRecord? { try run { try inner.run(id: id) } }
    func profile(key: String) throws -> ProfileRecord? { try run { try inner.profile(key: key) } }
    func profiles(_ query: ProfileQuery) throws -> [ProfileRecord] { try run { try inner.profiles(query) } }
    func invalidRows(run id: String) throws -> [InvalidRow] { try run { try inner.invalidRows(run: id) } }
    func modelStates() throws -> [ModelState] { try run { try inner.modelStates() } }
    func acquireLease(model: String, holder: String, ttl: Duration, now: Date) throws -> Bool {
        try run { try inner.acquireLease(model: model, holder: holder, ttl: ttl, now: now) }
    }
    func renewLease(model: String, holder: String, ttl: Duration, now: Date) throws {
        try run { try inner.renewLease(model: model, holder: holder, ttl: ttl, now: now) }
    }
    func releaseLease(model: String, holder: String) throws {
        try run { try inner.releaseLease(model: model, holder: holder) }
    }
    func leaseHolder(model: String) throws -> String? { try run { try inner.leaseHolder(model: model) } }
    func recordFire(model: String, at fireAt: Date) throws {
        try run { try inner.recordFire(model: model, at: fireAt) }
    }
    func heartbeat(holder: String, at date: Date) throws { try run { try inner.heartbeat(holder: holder, at: date) } }
    func lastHeartbeat() throws -> Date? { try run { try inner.lastHeartbeat() } }
    func changes(_ query: ChangeQuery) throws -> [ChangeRecord] { try run { try inner.changes(query) } }
    func pruneChanges(before cutoff: Date) throws -> Int { try run { try inner.pruneChanges(before: cutoff) } }
    func revert(_ request: RevertRequest) throws -> RevertOutcome { try run { try inner.revert(request) } }
    func startCheckpoint() { inner.startCheckpoint() }

    func pendingDeliveries(destination: String, limit: Int) throws -> [OutboxItem] {
        try run { try inner.pendingDeliveries(destination: destination, limit: limit) }
    }
    func deliveryState(destination: String) throws -> DeliveryState {
        try run { try inner.deliveryState(destination: destination) }
    }
    func recordDelivered(_ items: [OutboxItem], destination: String) throws {
        try run { try inner.recordDelivered(items, destination: destination) }
    }
    func recordRetry(_ items: [OutboxItem], destination: String, state: DeliveryState) throws {
        try run { try inner.recordRetry(items, destination: destination, state: state) }
    }
    func recordDead(_ item: OutboxItem, status: Int?, response: String) throws {
        try run { try inner.recordDead(item, status: status, response: response) }
    }
    func deliveryStats(names: [String], deadLetterLimit: Int) throws -> [DestinationStats] {
        try run { try inner.deliveryStats(names: names, deadLetterLimit: deadLetterLimit) }
    }
    func retryDead(destination: String?) throws -> Int { try run { try inner.retryDead(destination: destination) } }
    func dropDead(destination: String?) throws -> Int { try run { try inner.dropDead(destination: destination) } }
}

/// A snapshot cursor whose errors are classified like its store's.
private final class ClassifiedCursor: SnapshotCursor {
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
            throw ClassifiedStore.classified(error, place: place, isFile: isFile)
        }
    }
    var key: String { inner.key }
    var hash: UInt64 { inner.hash }
    func compareKey(to key: UnsafeRawBufferPointer) -> Int { inner.compareKey(to: key) }
    func traits() -> EncodedTraits { inner.traits() }
    func close() { inner.close() }
}

extension StoreError {
    /// A driver's error on the store at `place`, with what to do about it.
    /// `isFile`: the store is a SQLite file, so failing to open it is never a server that may come back.
    static func from(_ error: ConnectorError, place: String, isFile: Bool = false) -> StoreError {
        // SQLSTATE means something to a server's operator, not for a file.
        let state = isFile ? nil : error.sqlState
        let text = "the store \(place): \(error.message)" + (state.map { " (SQLSTATE \($0))" } ?? "")
        let lower = error.message.lowercased()
        // 53100: PostgreSQL's disk_full, and what the SQLite driver reports for a full disk.
        if error.sqlState == "53100" || lower.contains("no space left on device") {
            return StoreError(
                text,
                hint: "free space on the store's disk (a SQLite store needs room for its -wal file too); "
                    + "runs retry", transient: true, code: .file)
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
            return StoreError(text, hint: "free space on the store's disk", transient: true, code: .file)
        }
        return StoreError(text, hint: error.hint, transient: error.isTransient)
    }
}

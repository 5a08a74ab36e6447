import Drivers
import Foundation
import SyncCore

/// The embedded store: one SQLite file in WAL mode. Each run commits in one transaction, so a
/// crash leaves the file as it was before the run or after it.
public final class SQLiteStore: Store {
    let db: SQLiteDatabase
    public let path: String
    private var checkpointer: SQLiteCheckpointer?
    /// Log pages (4 KiB each) past which a commit checkpoints at once instead of leaving it.
    static let inlineCheckpointPages = 65536

    /// Opens (creating it and its directory if needed) and migrates the store file.
    /// Opens the store for reading only: no file is created or changed and no lock is taken,
    /// so it works on a read-only store file, beside a long commit. A store that does not exist yet,
    /// or is at an older schema version, is created or migrated first (which needs write access once).
    /// - Throws: `StoreError` when the store is newer than this binary or cannot be read.
    public convenience init(readingOnly path: String) throws {
        try PrivateFiles.refuseLink(path, what: "the store")
        guard FileManager.default.fileExists(atPath: path) else {
            try self.init(path: path)  // a new project: the store is made as a sync would make it
            return
        }
        let database = try SQLiteDatabase(path: path, readOnly: true, noFollow: true)
        if try Self.isCurrent(database) {
            self.init(opened: database, path: path)
        } else {
            try self.init(path: path)
        }
    }

    private init(opened: SQLiteDatabase, path: String) {
        self.path = path
        db = opened
        db.setCheckpointOnClose(false)
    }

    public init(path: String) throws {
        try PrivateFiles.makeDirectory((path as NSString).deletingLastPathComponent)
        // Profiles are customer data: the file is its owner's only, and SQLite gives its -wal and
        // -shm files the database file's mode.
        PrivateFiles.createIfMissing(path)
        try PrivateFiles.refuseLink(path, what: "the store")
        self.path = path
        db = try SQLiteDatabase(path: path, create: true, noFollow: true)
        for file in [path, path + "-wal", path + "-shm"] { PrivateFiles.restrictToOwner(file) }
        // Commits sync the log (durable when a run returns); copying the log into the file is left
        // to the next run's background checkpoint, or done at once after a run that wrote more
        // than 256 MB, so the log stays bounded.
        try Self.useWriteAheadLog(db)
        try db.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
        try db.execute(
            "PRAGMA wal_autocheckpoint = \(Self.inlineCheckpointPages); PRAGMA journal_size_limit = 67108864")
        db.setCheckpointOnClose(false)
        // Only a store behind this binary's schema takes the write lock to migrate; a current one is
        // only read, and a newer one is refused.
        try Self.whileBusy { if try !Self.isCurrent(db) { try migrate() } }
    }

    deinit { checkpointer?.wait() }

    public func startCheckpoint() {
        if checkpointer == nil { checkpointer = SQLiteCheckpointer(path: path) }
    }

    /// Waits for the checkpoint `startCheckpoint` began; its error, if it failed.
    @discardableResult
    func waitForCheckpoint() -> (any Error)? { checkpointer?.wait() }

    public func snapshotInfo(model: String) throws -> SnapshotInfo? {
        let statement = try db.prepare("SELECT trait_names, snapshot_rows FROM ws_models WHERE model = ?1")
        statement.bind(1, model)
        guard try statement.step(), let names = statement.text(0) else { return nil }
        return SnapshotInfo(traitNames: decodeNames(names), rows: Int(statement.int64(1)))
    }

    public func traitNamesByModel() throws -> [String: [String]] {
        let statement = try db.prepare("SELECT model, trait_names FROM ws_models")
        var result: [String: [String]] = [:]
        while try statement.step() {
            if let model = statement.text(0), let names = statement.text(1) { result[model] = decodeNames(names) }
        }
        return result
    }

    public func snapshotCursor(model: String) throws -> any SnapshotCursor {
        let statement = try db.prepare("SELECT key, hash, traits FROM ws_snapshots WHERE model = ?1 ORDER BY key")
        statement.bind(1, model)
        return SQLiteSnapshotCursor(statement: statement)
    }

    public func commit(_ run: RunCommit) throws -> RunRecord {
        try db.execute("BEGIN IMMEDIATE")
        do {
            if let holder = run.leaseHolder, let current = try leaseHolder(model: run.record.model), current != holder {
                throw StoreError.leaseLost(model: run.record.model, holder: current)
            }
            // Inside the write transaction (BEGIN IMMEDIATE serialises writers): two models that
            // commit at once cannot both take one trait.
            try run.checkOwnership?(try traitNamesByModel())
            // The run's row comes first: profiles refer to it by its sequence number.
            try insertRun(run.record)
            let seq = db.lastInsertRowID
            var writer = try SQLiteChangeWriter(
                db: db, record: run.record, traitNames: run.traitNames, provenance: provenanceJSON(runSeq: seq))
            try run.changes.forEach { try writer.apply($0) }
            var record = run.record
            record.finishedAt = run.finish()
            try upsertModel(record, traitNames: run.traitNames, snapshotRows: run.snapshotRows)
            let finish = try db.prepare("UPDATE ws_runs SET finished_at = ?2 WHERE seq = ?1")
            finish.bind(1, seq)
            finish.bind(2, record.finishedAt!.timeIntervalSince1970)
            try finish.step()
            try db.execute("COMMIT")
            return record
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    public func record(_ run: RunRecord) throws {
        try insertRun(run)
        let statement = try db.prepare(
            """
            INSERT INTO ws_models (model, trait_names, last_run_id) VALUES (?1, '[]', ?2)
            ON CONFLICT (model) DO UPDATE SET last_run_id = excluded.last_run_id
            """)
        statement.bind(1, run.model)
        statement.bind(2, run.id)
        try statement.step()
    }

    private func upsertModel(_ record: RunRecord, traitNames: [String], snapshotRows: Int) throws {
        let statement = try db.prepare(
            """
            INSERT INTO ws_models (model, trait_names, snapshot_rows, last_run_id, last_success_at) VALUES (?1, ?2, ?3,
                ?4, ?5)
            ON CONFLICT (model) DO UPDATE SET trait_names = excluded.trait_names, snapshot_rows =
                excluded.snapshot_rows,
                last_run_id = excluded.last_run_id, last_success_at = excluded.last_success_at
            """)
        statement.bind(1, record.model)
        statement.bind(2, encodeNames(traitNames))
        statement.bind(3, Int64(snapshotRows))
        statement.bind(4, record.id)
        statement.bind(5, (record.finishedAt ?? record.startedAt).timeIntervalSince1970)
        try statement.step()
    }

    private func insertRun(_ r: RunRecord) throws {
        let fields = RunRecord.fields
        let statement = try db.prepare(
            "INSERT INTO ws_runs (\(fields.map(\.name).joined(separator: ", "))) VALUES ("
                + fields.indices.map { "?\($0 + 1)" }.joined(separator: ", ") + ")")
        for (index, field) in fields.enumerated() {
            let position = Int32(index + 1)
            switch field.get(r) {
            case .null: statement.bind(position, nil as String?)
            case .text(let text): statement.bind(position, text)
            case .integer(let n): statement.bind(position, n)
            case .instant(let date): statement.bind(position, date.timeIntervalSince1970)
            case .measures(let measures): statement.bind(position, RunRecord.measuresJSON(measures))
            }
        }
        try statement.step()
    }

    public func runs(model: String?, limit: Int) throws -> [RunRecord] {
        let fields = RunRecord.fields
        let statement = try db.prepare(
            "SELECT \(fields.map(\.name).joined(separator: ", ")) FROM ws_runs "
                + "WHERE ?1 IS NULL OR model = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2")
        statement.bind(1, model)
        statement.bind(2, Int64(limit))
        var result: [RunRecord] = []
        while try statement.step() {
            var column = 0
            result.append(
                RunRecord.read { field in
                    defer { column += 1 }
                    if statement.isNull(column) { return .null }
                    switch field.kind {
                    case .text: return .text(statement.text(column) ?? "")
                    case .integer: return .integer(statement.int64(column))
                    case .instant: return .instant(Date(timeIntervalSince1970: statement.double(column)))
                    case .measures:
                        return statement.text(column).flatMap(RunRecord.measures(json:)).map { .measures($0) } ?? .null
                    }
                })
        }
        return result
    }

    public func profile(key: String) throws -> ProfileRecord? {
        let statement = try db.prepare("SELECT key, traits, updated_at FROM profiles WHERE key = ?1")
        statement.bind(1, key)
        guard try statement.step() else { return nil }
        var profile = ProfileRecord(
            key: statement.text(0) ?? "", traitsJSON: statement.text(1) ?? "{}", sources: [:],
            updatedAt: statement.text(2) ?? "")
        let sources = try db.prepare(
            """
            SELECT e.key, r.id, r.model, r.finished_at FROM profiles p, json_each(p.provenance) e
            JOIN ws_runs r ON r.seq = e.value WHERE p.key = ?1
            """)
        sources.bind(1, key)
        while try sources.step() {
            profile.sources[sources.text(0) ?? ""] = .init(
                model: sources.text(2) ?? "", run: sources.text(1) ?? "",
                at: formatInstant(Date(timeIntervalSince1970: sources.double(3))))
        }
        return profile
    }

    public func modelStates() throws -> [ModelState] {
        let statement = try db.prepare(
            """
            SELECT m.model, m.snapshot_rows, m.last_run_id, m.last_success_at, m.last_fire_at, l.holder, l.expires_at
            FROM ws_models m LEFT JOIN ws_leases l ON l.model = m.model ORDER BY m.model
            """)
        var states: [ModelState] = []
        while try statement.step() {
            func date(_ i: Int) -> Date? {
                statement.isNull(i) ? nil : Date(timeIntervalSince1970: statement.double(i))
            }
            states.append(
                ModelState(
                    model: statement.text(0) ?? "", snapshotRows: Int(statement.int64(1)), lastRunID: statement.text(2),
                    lastSuccessAt: date(3), lastFireAt: date(4), leaseHolder: statement.text(5), leaseExpiresAt: date(6)
                ))
        }
        return states
    }

    // MARK: - Leases and scheduler state

    public func acquireLease(model: String, holder: String, ttl: Duration, now: Date) throws -> Bool {
        let statement = try db.prepare(
            """
            INSERT INTO ws_leases (model, holder, expires_at) VALUES (?1, ?2, ?3)
            ON CONFLICT (model) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE ws_leases.expires_at < ?4 OR ws_leases.holder = excluded.holder
            """)
        statement.bind(1, model)
        statement.bind(2, holder)
        statement.bind(3, now.timeIntervalSince1970 + Double(ttl.components.seconds))
        statement.bind(4, now.timeIntervalSince1970)
        try statement.step()
        return db.changes == 1
    }

    public func renewLease(model: String, holder: String, ttl: Duration, now: Date) throws {
        let statement = try db.prepare("UPDATE ws_leases SET expires_at = ?3 WHERE model = ?1 AND holder = ?2")
        statement.bind(1, model)
        statement.bind(2, holder)
        statement.bind(3, now.timeIntervalSince1970 + Double(ttl.components.seconds))
        try statement.step()
    }

    public func releaseLease(model: String, holder: String) throws {
        let statement = try db.prepare("DELETE FROM ws_leases WHERE model = ?1 AND holder = ?2")
        statement.bind(1, model)
        statement.bind(2, holder)
        try statement.step()
    }

    public func leaseHolder(model: String) throws -> String? {
        let statement = try db.prepare("SELECT holder FROM ws_leases WHERE model = ?1")
        statement.bind(1, model)
        return try statement.step() ? statement.text(0) : nil
    }

    public func recordFire(model: String, at fireAt: Date) throws {
        let statement = try db.prepare(
            """
            INSERT INTO ws_models (model, trait_names, last_fire_at) VALUES (?1, '[]', ?2)
            ON CONFLICT (model) DO UPDATE SET last_fire_at = excluded.last_fire_at
            """)
        statement.bind(1, model)
        statement.bind(2, fireAt.timeIntervalSince1970)
        try statement.step()
    }

    public func heartbeat(holder: String, at date: Date) throws {
        let statement = try db.prepare(
            "INSERT INTO ws_heartbeats (holder, beat_at) VALUES (?1, ?2) ON CONFLICT (holder) DO UPDATE SET beat_at = "
                + "excluded.beat_at"
        )
        statement.bind(1, holder)
        statement.bind(2, date.timeIntervalSince1970)
        try statement.step()
    }

    public func lastHeartbeat() throws -> Date? {
        let statement = try db.prepare("SELECT max(beat_at) FROM ws_heartbeats")
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return Date(timeIntervalSince1970: statement.double(0))
    }
}

@available(*, unavailable)
extension SQLiteStore: Sendable {}

func encodeNames(_ names: [String]) -> String {
    var out: [UInt8] = [UInt8(ascii: "[")]
    for (i, name) in names.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        appendJSONString(name, to: &out)
    }
    out.append(UInt8(ascii: "]"))
    return String(decoding: out, as: UTF8.self)
}

func decodeNames(_ json: String) -> [String] {
    (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
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

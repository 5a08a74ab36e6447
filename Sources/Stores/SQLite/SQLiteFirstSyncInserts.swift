import Drivers
import SyncCore

/// A first sync's bulk path into an empty SQLite store: each added profile, its snapshot row and its
/// change-log row appended through a multi-row insert per table (`SQLiteBulkInsert`), in the key
/// order the diff produces them, instead of an upsert per row and table. The rows' values are gathered
/// `rowsPerBatch` at a time into one buffer that the statements bind without copying.
final class SQLiteFirstSyncInserts {
    /// A multiple of `SQLiteBulkInsert.rowsPerStatement`: every statement of a batch but its last is full.
    static let rowsPerBatch = 1024

    private let inserts: Inserts
    private var batch = FirstSyncRows()

    /// - Throws: `ConnectorError` when a statement does not prepare.
    init(db: SQLiteDatabase, record: RunRecord, runSeq: Int64, updatedAt: String) throws {
        inserts = try Inserts(db: db, record: record, runSeq: runSeq, updatedAt: updatedAt)
    }

    /// Appends `change` (an added profile with set traits) with the JSON objects `objects` built for
    /// it; `logged`: also its change-log row (`objects.quotedTraits`, built). Inserts every
    /// `rowsPerBatch` rows.
    /// - Throws: `ConnectorError` from SQLite when an insert fails.
    func append(_ change: Change, _ objects: TraitObjects, logged: Bool) throws {
        batch.append(change, objects, logged: logged)
        if batch.count >= Self.rowsPerBatch { try flush() }
    }

    /// Inserts the rows appended since the last insert.
    /// - Throws: `ConnectorError` from SQLite when an insert fails.
    func flush() throws {
        guard batch.count > 0 else { return }
        defer { batch.removeAll() }
        try inserts.insert(batch)
    }
}

/// The three tables' multi-row inserts.
private final class Inserts {
    let profiles: SQLiteBulkInsert
    let snapshots: SQLiteBulkInsert
    let changeLog: SQLiteBulkInsert

    init(db: SQLiteDatabase, record: RunRecord, runSeq: Int64, updatedAt: String) throws {
        profiles = try SQLiteBulkInsert(
            db: db, table: "profiles", constantColumns: ["updated_at"], rowColumns: ["key", "traits", "provenance"]
        ) { $0.bind(1, updatedAt) }
        snapshots = try SQLiteBulkInsert(
            db: db, table: "ws_snapshots", constantColumns: ["model"], rowColumns: ["key", "hash", "traits"]
        ) { $0.bind(1, record.model) }
        changeLog = try SQLiteBulkInsert(
            db: db, table: "ws_change_added", constantColumns: ["run_seq"], rowColumns: ["key", "traits"]
        ) { $0.bind(1, runSeq) }
    }

    /// Inserts the batch a table at a time, every statement flushed before the batch's bytes go.
    func insert(_ rows: FirstSyncRows) throws {
        try rows.bytes.withUnsafeBytes { arena in
            func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: arena[range]) }
            for row in rows.rows {
                try profiles.append { statement, first in
                    statement.bind(first, borrowingText: slice(row.key))
                    statement.bind(first + 1, borrowingText: slice(row.traits))
                    statement.bind(first + 2, borrowingText: slice(row.provenance))
                }
            }
            try profiles.flush()
            for row in rows.rows {
                try snapshots.append { statement, first in
                    statement.bind(first, borrowingText: slice(row.key))
                    statement.bind(first + 1, row.hash)
                    statement.bind(first + 2, borrowingBlob: slice(row.snapshot))
                }
            }
            try snapshots.flush()
            for row in rows.rows {
                guard let quoted = row.quoted else { continue }
                try changeLog.append { statement, first in
                    statement.bind(first, borrowingText: slice(row.key))
                    statement.bind(first + 1, borrowingText: slice(quoted))
                }
            }
            try changeLog.flush()
        }
    }
}

/// A batch of a first sync's rows: their bytes in one buffer, each row's values as ranges of it.
private struct FirstSyncRows {
    struct Row {
        let key: Range<Int>
        let traits: Range<Int>
        let provenance: Range<Int>
        let snapshot: Range<Int>
        let quoted: Range<Int>?
        let hash: Int64
    }
    private(set) var bytes: [UInt8] = []
    private(set) var rows: [Row] = []
    var count: Int { rows.count }

    /// Empties the batch, keeping its buffers' capacity for the next.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
    }

    mutating func append(_ change: Change, _ objects: TraitObjects, logged: Bool) {
        rows.append(
            Row(
                key: add(change.key.utf8), traits: add(objects.traits), provenance: add(objects.provenanceObject),
                snapshot: add(change.traits.bytes), quoted: logged ? add(objects.quotedTraits) : nil,
                hash: Int64(bitPattern: change.hash)))
    }

    private mutating func add<Bytes: Collection<UInt8>>(_ values: Bytes) -> Range<Int> {
        let start = bytes.count
        bytes.append(contentsOf: values)
        return start..<bytes.count
    }
}

import Drivers
import SyncCore

/// A first sync's bulk path into an empty SQLite store: each added profile, its snapshot row and its
/// change-log row appended through a multi-row insert per table (`SQLiteBulkInsert`), in the key
/// order the diff produces them, instead of an upsert per row and table.
final class SQLiteFirstSyncInserts {
    private let profiles: SQLiteBulkInsert
    private let snapshots: SQLiteBulkInsert
    private let changeLog: SQLiteBulkInsert

    /// - Throws: `ConnectorError` when a statement does not prepare.
    init(db: SQLiteDatabase, record: RunRecord, runSeq: Int64, updatedAt: String) throws {
        profiles = try SQLiteBulkInsert(
            db: db, table: "profiles", constantColumns: ["updated_at"], rowColumns: ["key", "traits", "provenance"]
        ) { $0.bind(1, updatedAt) }
        snapshots = try SQLiteBulkInsert(
            db: db, table: "ws_snapshots", constantColumns: ["model"], rowColumns: ["key", "hash", "traits"]
        ) { $0.bind(1, record.model) }
        changeLog = try SQLiteBulkInsert(
            db: db, table: "ws_change_added", constantColumns: ["run_seq", "run", "model", "at"],
            rowColumns: ["key", "traits"]
        ) { statement in
            statement.bind(1, runSeq)
            statement.bind(2, record.id)
            statement.bind(3, record.model)
            statement.bind(4, updatedAt)
        }
    }

    /// Appends `change` (an added profile with set traits) with the JSON objects `objects` built for
    /// it; `logged`: also its change-log row (`objects.quotedTraits`, built).
    /// - Throws: `ConnectorError` from SQLite when an insert fails.
    func append(_ change: Change, _ objects: TraitObjects, logged: Bool) throws {
        try profiles.append { statement, first in
            statement.bind(first, change.key)
            statement.bind(first + 1, text: objects.traits)
            statement.bind(first + 2, text: objects.provenanceObject)
        }
        try snapshots.append { statement, first in
            statement.bind(first, change.key)
            statement.bind(first + 1, Int64(bitPattern: change.hash))
            statement.bind(first + 2, blob: change.traits.bytes)
        }
        if logged {
            try changeLog.append { statement, first in
                statement.bind(first, change.key)
                statement.bind(first + 1, text: objects.quotedTraits)
            }
        }
    }

    /// Inserts the rows appended since the last insert of each table.
    /// - Throws: `ConnectorError` from SQLite when an insert fails.
    func flush() throws {
        try profiles.flush()
        try snapshots.flush()
        try changeLog.flush()
    }
}

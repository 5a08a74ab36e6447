import Drivers
import Foundation
import SyncCore

/// Applies a run's changes to `profiles` and `ws_snapshots` inside the store's transaction,
/// with one prepared statement per shape of change, reused for every row; removed profiles are
/// applied a batch at a time (`SQLiteRemovals`).
struct SQLiteChangeWriter: StoreChangeWriter {
    private let db: SQLiteDatabase
    private let record: RunRecord
    private let traitNames: [String]
    private var objects: TraitObjects
    private let updatedAt: String
    private var setStatements: [SetShape: SQLiteStatement] = [:]
    private var lastSet: (shape: SetShape, statement: SQLiteStatement)?
    private var unsetStatements: [[String]: SQLiteStatement] = [:]
    private let upsertSnapshot: SQLiteStatement
    private let updateSnapshot: SQLiteStatement
    private let removals: SQLiteRemovals
    private let insertLog: SQLiteStatement
    private let insertAdded: SQLiteStatement
    private let insertRemoved: SQLiteStatement
    private let logger: ChangeLogger
    private let logChanges: Bool
    private let runSeq: Int64
    private let destinations: [String]
    private let insertOutbox: SQLiteStatement?
    /// A first sync into an empty store (`intoEmptyStore`): added profiles go straight into the tables,
    /// 64 rows a statement, with no conflict handling (no row can collide).
    private let bulk: SQLiteFirstSyncInserts?

    init(
        db: SQLiteDatabase, record: RunRecord, runSeq: Int64, traitNames: [String], previousTraitNames: [String],
        logChanges: Bool, destinations: [String], intoEmptyStore: Bool
    ) throws {
        self.db = db
        self.record = record
        self.traitNames = traitNames
        let at = record.finishedAt ?? record.startedAt
        objects = TraitObjects(traitNames: traitNames, provenance: provenanceJSON(runSeq: runSeq))
        updatedAt = formatInstant(at)
        logger = ChangeLogger(traitNames: traitNames, previousTraitNames: previousTraitNames)
        self.logChanges = logChanges
        // The change log keeps the run's seq alone: the run's row holds its id, model and time.
        insertLog = try db.prepare(
            "INSERT INTO ws_change_rows (run_seq, key, trait, old, new) VALUES (?1, ?2, ?3, ?4, ?5)")
        insertAdded = try db.prepare("INSERT INTO ws_change_added (run_seq, key, traits) VALUES (?1, ?2, ?3)")
        insertRemoved = try db.prepare("INSERT INTO ws_change_removed (run_seq, key, traits) VALUES (?1, ?2, ?3)")
        self.runSeq = runSeq
        self.destinations = destinations
        insertOutbox =
            destinations.isEmpty
            ? nil
            : try db.prepare(
                "INSERT INTO ws_outbox (destination, run_seq, key, run, model, set_traits, unset_traits, enqueued_at) "
                    + "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
        upsertSnapshot = try db.prepare(
            """
            INSERT INTO ws_snapshots (model, key, hash, traits) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (model, key) DO UPDATE SET hash = excluded.hash, traits = excluded.traits
            """)
        updateSnapshot = try db.prepare("UPDATE ws_snapshots SET hash = ?3, traits = ?4 WHERE model = ?1 AND key = ?2")
        removals = try SQLiteRemovals(db: db, model: record.model, updatedAt: updatedAt)
        bulk =
            intoEmptyStore
            ? try SQLiteFirstSyncInserts(db: db, record: record, runSeq: runSeq, updatedAt: updatedAt) : nil
    }

    mutating func apply(_ change: Change) throws {
        let added = logChanges && logger.isAddedProfile(change)
        let removed = logChanges && logger.isRemovedProfile(change)
        let entries = (logChanges && !added) || !destinations.isEmpty ? logger.entries(change) : []
        if let insertOutbox, !entries.isEmpty {
            let payload = outboxPayload(entries)
            for destination in destinations {
                insertOutbox.reset()
                insertOutbox.bind(1, destination)
                insertOutbox.bind(2, runSeq)
                insertOutbox.bind(3, change.key)
                insertOutbox.bind(4, record.id)
                insertOutbox.bind(5, record.model)
                insertOutbox.bind(6, payload.set)
                insertOutbox.bind(7, payload.unset)
                insertOutbox.bind(8, (record.finishedAt ?? record.startedAt).timeIntervalSince1970)
                try insertOutbox.step()
            }
        }
        if !change.setTraits.isEmpty { objects.build(change) }
        if let bulk, change.kind == .added, !change.setTraits.isEmpty, change.unsetTraits.isEmpty, added || !logChanges
        {
            if added { objects.buildQuoted(change) }
            try bulk.append(change, objects, logged: added)
            return
        }
        if added {
            // One row for the profile: the ws_changes view shows it as a row per trait.
            insertAdded.reset()
            insertAdded.bind(1, runSeq)
            insertAdded.bind(2, change.key)
            objects.buildQuoted(change)
            insertAdded.bind(3, text: objects.quotedTraits)
            try insertAdded.step()
        }
        if removed, let traits = removedTraitsObject(entries, quoted: true) {
            // One row for the profile, like an added one's.
            insertRemoved.reset()
            insertRemoved.bind(1, runSeq)
            insertRemoved.bind(2, change.key)
            insertRemoved.bind(3, text: traits)
            try insertRemoved.step()
        }
        if change.kind == .removed {
            try removals.append(key: change.key, unsetting: change.unsetTraits)
            return
        }
        for entry in logChanges && !added ? entries : [] {
            insertLog.reset()
            insertLog.bind(1, runSeq)
            insertLog.bind(2, entry.key)
            insertLog.bind(3, entry.trait)
            insertLog.bind(4, entry.old)
            insertLog.bind(5, entry.new)
            try insertLog.step()
        }
        // A changed key has its profile and snapshot row: a plain update finds them with one search
        // each, where an upsert would first try to insert. One gone meanwhile is inserted.
        let changed = change.kind == .changed
        if !change.setTraits.isEmpty {
            try setTraits(change, updating: changed)
            if changed && db.changes == 0 { try setTraits(change, updating: false) }
        }
        if !change.unsetTraits.isEmpty {
            let statement = try unsetStatement(change.unsetTraits)
            statement.reset()
            statement.bind(1, change.key)
            statement.bind(2, updatedAt)
            try statement.step()
        }
        if changed { try writeSnapshot(change, updateSnapshot) }
        if !changed || db.changes == 0 { try writeSnapshot(change, upsertSnapshot) }
    }

    private mutating func setTraits(_ change: Change, updating: Bool) throws {
        let statement = try setStatement(SetShape(indexes: change.setTraits, updating: updating))
        statement.reset()
        statement.bind(1, change.key)
        statement.bind(2, text: objects.traits)
        statement.bind(3, text: objects.provenanceObject)
        statement.bind(4, updatedAt)
        try statement.step()
    }

    private func writeSnapshot(_ change: Change, _ statement: SQLiteStatement) throws {
        statement.reset()
        statement.bind(1, record.model)
        statement.bind(2, change.key)
        statement.bind(3, Int64(bitPattern: change.hash))
        statement.bind(4, blob: change.traits.bytes)
        try statement.step()
    }

    /// Each change was written as it came, but for the last bulk statements' rows and removals.
    func finish() throws {
        try bulk?.flush()
        try removals.flush()
    }

    /// Which traits a set statement sets, and whether it only updates an existing profile.
    private struct SetShape: Hashable {
        let indexes: [Int]
        let updating: Bool
    }

    /// Sets exactly these traits and their provenance. `INSERT ... ON CONFLICT DO UPDATE`: a new
    /// profile takes the objects as they are; an existing one gets each trait set into its own.
    /// `updating`: `UPDATE` of an existing profile only (no row changes when it has none).
    private mutating func setStatement(_ shape: SetShape) throws -> SQLiteStatement {
        if let last = lastSet, last.shape == shape { return last.statement }
        if let cached = setStatements[shape] {
            lastSet = (shape, cached)
            return cached
        }
        let paths = shape.indexes.map { "'$.\"\(traitNames[$0])\"'" }
        let traits = shape.updating ? "?2" : "excluded.traits"
        let provenance = shape.updating ? "?3" : "excluded.provenance"
        let setTraits = paths.map { "\($0), json(\(traits) -> \($0))" }.joined(separator: ", ")
        let setProvenance = paths.map { "\($0), json(\(provenance) -> \($0))" }.joined(separator: ", ")
        let statement = try db.prepare(
            shape.updating
                ? """
                UPDATE profiles SET traits = json_set(traits, \(setTraits)),
                    provenance = json_set(provenance, \(setProvenance)), updated_at = ?4 WHERE key = ?1
                """
                : """
                INSERT INTO profiles (key, traits, provenance, updated_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (key) DO UPDATE SET traits = json_set(traits, \(setTraits)),
                    provenance = json_set(provenance, \(setProvenance)), updated_at = excluded.updated_at
                """)
        setStatements[shape] = statement
        lastSet = (shape, statement)
        return statement
    }

    private mutating func unsetStatement(_ names: [String]) throws -> SQLiteStatement {
        if let cached = unsetStatements[names] { return cached }
        let paths = names.map { "'$.\"\($0)\"'" }.joined(separator: ", ")
        let statement = try db.prepare(
            """
            UPDATE profiles SET traits = json_remove(traits, \(paths)), provenance = json_remove(provenance, \(paths)),
                updated_at = ?2 WHERE key = ?1
            """)
        unsetStatements[names] = statement
        return statement
    }
}

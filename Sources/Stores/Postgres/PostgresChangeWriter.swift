import Drivers
import Foundation
import SyncCore

/// Applies a run's changes to `warehouse_sync.profiles` and `.snapshots` inside the store's
/// transaction: rows are copied (`COPY FROM STDIN`) into temporary staging tables, then each
/// batch is one upsert of profiles, one update of unset traits, one upsert and one delete of
/// snapshot rows.
struct PostgresChangeWriter: StoreChangeWriter {
    static let batchSize = 5_000

    private let connection: PGConnection
    private let record: RunRecord
    private let traitNames: [String]
    private var objects: TraitObjects
    private let updatedAt: String
    private var sets: [UInt8] = []
    private var unsets: [UInt8] = []
    private var snapshots: [UInt8] = []
    private var deletes: [UInt8] = []
    /// Change-log rows, copied straight into `warehouse_sync.change_rows`.
    private var log: [UInt8] = []
    /// Added profiles' change-log rows, copied into `warehouse_sync.change_added`.
    private var addedLog: [UInt8] = []
    /// Removed profiles' change-log rows, copied into `warehouse_sync.change_removed`.
    private var removedLog: [UInt8] = []
    /// Outbox rows, copied straight into `warehouse_sync.outbox`.
    private var outbox: [UInt8] = []
    private let destinations: [String]
    private let logger: ChangeLogger
    private let logChanges: Bool
    /// The column every change-log row of this run starts with: run_seq (the run's row holds its id,
    /// model and time).
    private let logPrefix: [UInt8]
    private let logPrefixSeq: Int64
    private var pending = 0
    /// Writes each batch on a thread of its own while the next is built.
    private let pipeline = BatchPipeline(name: "warehouse-sync.store-writer")
    /// A first sync into an empty store (`intoEmptyStore`): every change adds a key no row has, so rows
    /// are copied straight into the tables, with no staging and no conflict handling.
    private let direct: Bool

    init(
        connection: PGConnection, record: RunRecord, runSeq: Int64, traitNames: [String],
        previousTraitNames: [String],
        logChanges: Bool, destinations: [String], intoEmptyStore: Bool
    ) throws {
        self.connection = connection
        self.record = record
        self.traitNames = traitNames
        objects = TraitObjects(traitNames: traitNames, provenance: provenanceJSON(runSeq: runSeq))
        updatedAt = formatInstant(record.finishedAt ?? record.startedAt)
        logger = ChangeLogger(traitNames: traitNames, previousTraitNames: previousTraitNames)
        self.logChanges = logChanges
        self.destinations = destinations
        var prefix: [UInt8] = []
        appendDecimalDigits(runSeq, to: &prefix)
        prefix.append(9)
        logPrefix = prefix
        logPrefixSeq = runSeq
        direct = intoEmptyStore
        try connection.execute(
            """
            CREATE TEMP TABLE ws_stage_set (k text COLLATE "C", t jsonb, p jsonb) ON COMMIT DROP;
            CREATE TEMP TABLE ws_stage_unset (k text COLLATE "C", names text[]) ON COMMIT DROP;
            CREATE TEMP TABLE ws_stage_snapshot (k text COLLATE "C", h bigint, t bytea) ON COMMIT DROP;
            CREATE TEMP TABLE ws_stage_delete (k text COLLATE "C") ON COMMIT DROP;
            """)
    }

    mutating func apply(_ change: Change) throws {
        let added = logChanges && logger.isAddedProfile(change)
        let removed = logChanges && logger.isRemovedProfile(change)
        let entries = (logChanges && !added) || !destinations.isEmpty ? logger.entries(change) : []
        if !entries.isEmpty {
            let payload = outboxPayload(entries)
            for destination in destinations {
                let columns = [
                    destination, String(logPrefixSeq), change.key, record.id, record.model, payload.set, payload.unset,
                ]
                for column in columns {
                    appendCopyText(column, to: &outbox)
                    outbox.append(9)
                }
                appendCopyText(updatedAt, to: &outbox)
                outbox.append(10)
            }
        }
        if !change.setTraits.isEmpty { objects.build(change) }
        if added {
            // One row for the profile: the changes view shows it as a row per trait.
            addedLog += logPrefix
            appendCopyText(change.key, to: &addedLog)
            addedLog.append(9)
            objects.traits.withUnsafeBufferPointer { appendCopyText($0, to: &addedLog) }
            addedLog.append(10)
        }
        if removed, let traits = removedTraitsObject(entries, quoted: false) {
            // One row for the profile, like an added one's.
            removedLog += logPrefix
            appendCopyText(change.key, to: &removedLog)
            removedLog.append(9)
            traits.withUnsafeBufferPointer { appendCopyText($0, to: &removedLog) }
            removedLog.append(10)
        }
        for entry in logChanges && !added && !removed ? entries : [] {
            log += logPrefix
            for column in [entry.key, entry.trait] {
                appendCopyText(column, to: &log)
                log.append(9)
            }
            for (value, end) in [(entry.old, UInt8(9)), (entry.new, 10)] {
                if let value { appendCopyText(value, to: &log) } else { log += Array("\\N".utf8) }
                log.append(end)
            }
        }
        if !change.setTraits.isEmpty {
            appendCopyText(change.key, to: &sets)
            sets.append(9)
            objects.traits.withUnsafeBufferPointer { appendCopyText($0, to: &sets) }
            sets.append(9)
            objects.provenanceObject.withUnsafeBufferPointer { appendCopyText($0, to: &sets) }
            if direct {
                sets.append(9)
                appendCopyText(updatedAt, to: &sets)
            }
            sets.append(10)
        }
        if !change.unsetTraits.isEmpty {
            appendCopyText(change.key, to: &unsets)
            unsets.append(9)
            appendCopyText(PostgresArrayLiteral.make(change.unsetTraits), to: &unsets)
            unsets.append(10)
        }
        if change.kind == .removed {
            appendCopyText(change.key, to: &deletes)
            deletes.append(10)
        } else {
            if direct {
                appendCopyText(record.model, to: &snapshots)
                snapshots.append(9)
            }
            appendCopyText(change.key, to: &snapshots)
            snapshots.append(9)
            appendDecimalDigits(Int64(bitPattern: change.hash), to: &snapshots)
            snapshots.append(9)
            appendCopyText(PostgresArrayLiteral.hex(change.traits.bytes), to: &snapshots)
            snapshots.append(10)
        }
        pending += 1
        if pending >= Self.batchSize { try flush() }
    }

    mutating func finish() throws {
        try flush()
        try pipeline.drain()
    }

    /// Hands the buffered rows to the pipeline's thread as one batch and starts a new one.
    private mutating func flush() throws {
        let batch = Batch(
            sets: sets, unsets: unsets, snapshots: snapshots, deletes: deletes, log: log, addedLog: addedLog,
            removedLog: removedLog, outbox: outbox)
        for buffer in [\Self.sets, \.unsets, \.snapshots, \.deletes, \.log, \.addedLog, \.removedLog, \.outbox] {
            let used = self[keyPath: buffer].count
            self[keyPath: buffer] = []
            self[keyPath: buffer].reserveCapacity(used)
        }
        pending = 0
        let (connection, model, updatedAt, direct) = (connection, record.model, updatedAt, direct)
        try pipeline.submit { try batch.write(connection, model: model, updatedAt: updatedAt, direct: direct) }
    }
}

/// One batch of a run's rows, each buffer in `COPY` text format, and how it is written.
private struct Batch {
    let sets: [UInt8]
    let unsets: [UInt8]
    let snapshots: [UInt8]
    let deletes: [UInt8]
    let log: [UInt8]
    let addedLog: [UInt8]
    let removedLog: [UInt8]
    let outbox: [UInt8]

    /// Copies the rows in: straight into the tables when `direct`, else through the staging tables,
    /// each with one statement of conflict handling.
    func write(_ connection: PGConnection, model: String, updatedAt: String, direct: Bool) throws {
        if direct {
            if !sets.isEmpty {
                try connection.copyIn(
                    "COPY warehouse_sync.profiles (key, traits, provenance, updated_at) FROM STDIN", sets)
            }
            if !snapshots.isEmpty {
                try connection.copyIn("COPY warehouse_sync.snapshots (model, key, hash, traits) FROM STDIN", snapshots)
            }
        } else {
            if !sets.isEmpty {
                try connection.copyIn("COPY ws_stage_set FROM STDIN", sets)
                try connection.execute(
                    """
                    INSERT INTO warehouse_sync.profiles AS p (key, traits, provenance, updated_at)
                    SELECT k, t, p, $1::timestamptz FROM ws_stage_set
                    ON CONFLICT (key) DO UPDATE SET traits = p.traits || EXCLUDED.traits,
                        provenance = p.provenance || EXCLUDED.provenance, updated_at = EXCLUDED.updated_at
                    """, [updatedAt])
            }
            if !snapshots.isEmpty {
                try connection.copyIn("COPY ws_stage_snapshot FROM STDIN", snapshots)
                try connection.execute(
                    """
                    INSERT INTO warehouse_sync.snapshots (model, key, hash, traits) SELECT $1, k, h, t FROM
                        ws_stage_snapshot
                    ON CONFLICT (model, key) DO UPDATE SET hash = EXCLUDED.hash, traits = EXCLUDED.traits
                    """, [model])
            }
        }
        if !unsets.isEmpty {
            try connection.copyIn("COPY ws_stage_unset FROM STDIN", unsets)
            try connection.execute(
                """
                UPDATE warehouse_sync.profiles AS p SET traits = p.traits - u.names, provenance = p.provenance -
                    u.names,
                    updated_at = $1::timestamptz FROM ws_stage_unset AS u WHERE p.key = u.k
                """, [updatedAt])
        }
        if !deletes.isEmpty {
            try connection.copyIn("COPY ws_stage_delete FROM STDIN", deletes)
            try connection.execute(
                "DELETE FROM warehouse_sync.snapshots AS s USING ws_stage_delete AS d WHERE s.model = $1 AND s.key = "
                    + "d.k",
                [model])
        }
        if !outbox.isEmpty {
            try connection.copyIn(
                "COPY warehouse_sync.outbox (destination, run_seq, key, run, model, set_traits, unset_traits, "
                    + "enqueued_at) FROM STDIN",
                outbox)
        }
        if !log.isEmpty {
            try connection.copyIn(
                "COPY warehouse_sync.change_rows (run_seq, key, trait, old, new) FROM STDIN", log)
        }
        if !addedLog.isEmpty {
            try connection.copyIn(
                "COPY warehouse_sync.change_added (run_seq, key, traits) FROM STDIN", addedLog)
        }
        if !removedLog.isEmpty {
            try connection.copyIn(
                "COPY warehouse_sync.change_removed (run_seq, key, traits) FROM STDIN", removedLog)
        }
        // Only the staging tables this batch filled: each TRUNCATE gives a table new files.
        let staged = [
            (!direct && !sets.isEmpty, "ws_stage_set"), (!unsets.isEmpty, "ws_stage_unset"),
            (!direct && !snapshots.isEmpty, "ws_stage_snapshot"), (!deletes.isEmpty, "ws_stage_delete"),
        ].filter(\.0).map(\.1)
        if !staged.isEmpty { try connection.execute("TRUNCATE \(staged.joined(separator: ", "))") }
    }
}

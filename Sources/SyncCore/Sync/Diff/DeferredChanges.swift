/// The differences a diff finds while its snapshot read leaves the traits out
/// (`SnapshotCursor.defersTraits`): each waits in a spool of its own, in key order, until the read
/// has ended. Then the old traits of the changed and removed keys are read, and every difference
/// goes to the `ChangeEmitter` in the order it was found. An unchanged row costs no traits at all.
///
/// A few keys are looked up a batch at a time (`SnapshotCursor.traits(of:)`); when more than an
/// eighth of the snapshot's rows need theirs, one more pass over the snapshot in key order
/// (`rereadWithTraits`) costs less than a lookup each, and is merged with the spool. Memory holds
/// one batch either way.
struct DeferredChanges {
    private let pending: ChangeSpool
    /// The held differences that need old traits (changed and removed keys).
    private var needingTraits = 0

    /// - Throws: `SpoolError` when no spool file can be made.
    init() throws { pending = try ChangeSpool() }

    /// Holds a difference: `traits` are the row's new canonical traits (empty for a removed key).
    mutating func hold(_ kind: Change.Kind, key: String, hash: UInt64, traits: EncodedTraits) throws {
        if kind != .added { needingTraits += 1 }
        try pending.append(Change(kind: kind, key: key, hash: hash, traits: traits, setTraits: [], unsetTraits: []))
    }

    /// Reads the old traits the held differences need and emits each difference.
    /// - Parameter snapshotRows: how many rows the snapshot read had.
    /// - Throws: `StoreError` when the store cannot read them, or a key's snapshot row is gone
    ///   (another process wrote the model's snapshot during the run); `SpoolError`.
    func emit(
        reading cursor: any SnapshotCursor, snapshotRows: Int, into emitter: inout ChangeEmitter, model: String
    ) throws {
        guard needingTraits * 8 > snapshotRows else {
            return try emitLookingUp(cursor, into: &emitter, model: model)
        }
        let reread = try cursor.rereadWithTraits()
        defer { reread.close() }
        var hasRow = try reread.next()
        try pending.forEach { change in
            guard change.kind != .added else {
                return try emitter.added(key: change.key, hash: change.hash, encoded: change.traits)
            }
            var found = false
            var key = change.key
            try key.withUTF8 { key in
                let bytes = UnsafeRawBufferPointer(key)
                while hasRow {
                    let order = reread.compareKey(to: bytes)
                    if order >= 0 {
                        found = order == 0
                        return
                    }
                    hasRow = try reread.next()
                }
            }
            guard found else { throw Self.gone(change.key, model: model) }
            try Self.emit(change, old: reread.traits(), into: &emitter)
        }
    }

    private func emitLookingUp(
        _ cursor: any SnapshotCursor, into emitter: inout ChangeEmitter, model: String
    ) throws {
        var batch: [Change] = []
        batch.reserveCapacity(deferredTraitsBatch)
        func flush() throws {
            let keys = batch.lazy.filter { $0.kind != .added }.map(\.key)
            let old = keys.isEmpty ? [] : try cursor.traits(of: Array(keys))
            var next = 0
            for change in batch {
                if change.kind == .added {
                    try emitter.added(key: change.key, hash: change.hash, encoded: change.traits)
                    continue
                }
                // By position: keys of different bytes can be equal Strings.
                guard next < old.count, let traits = old[next] else { throw Self.gone(change.key, model: model) }
                next += 1
                try Self.emit(change, old: traits, into: &emitter)
            }
            batch.removeAll(keepingCapacity: true)
        }
        try pending.forEach { change in
            batch.append(change)
            if batch.count == deferredTraitsBatch { try flush() }
        }
        try flush()
    }

    private static func emit(_ change: Change, old: EncodedTraits, into emitter: inout ChangeEmitter) throws {
        if change.kind == .changed {
            try emitter.changed(key: change.key, hash: change.hash, encoded: change.traits, old: old)
        } else {
            try emitter.removed(key: change.key, old: old)
        }
    }

    private static func gone(_ key: String, model: String) -> StoreError {
        StoreError(
            "model \(model): key \(key) left the snapshot while the run read it",
            hint: "another process wrote this model's snapshot; rerun the model", transient: true)
    }
}

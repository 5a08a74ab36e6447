/// Compares the model's result, streamed in key order, with its snapshot, read in key order:
/// a merge of two sorted streams, so memory does not grow with the row count. Each difference
/// goes to the change spool; unchanged rows go nowhere and, on the wire path, are never decoded.
///
/// A row's hash is taken over its canonical values, or, for rows that arrive undecoded
/// (`row(raw:)`, PostgreSQL COPY), over the bytes the warehouse sent. A hash that differs from the
/// snapshot's leads to a trait-by-trait comparison of canonical values, so the choice of hash
/// never changes what counts as changed.
///
/// When the snapshot read leaves the traits out (`SnapshotCursor.defersTraits`, the PostgreSQL store),
/// the differences wait in `DeferredChanges` and the old traits of only the changed and removed keys
/// are read after the merge.
///
/// With `sparse` set, the rows are a warehouse-side diff's (docs/warehouse-diff.md): only added and changed rows,
/// and removed keys marked by `WarehouseDiffSQL.removedColumn`; a snapshot row no row names is
/// unchanged, and `rowsInResult` gives the result's row count.
///
/// The receiver runs the merge; three parts do the rest: `KeyOrder` checks the order and counts
/// duplicates, `RowChecks` keeps unusable keys and unstorable values out, and `ChangeEmitter`
/// writes each difference to the spool.
package struct DiffReceiver: RowReceiver {
    let model: Model
    let cursor: any SnapshotCursor
    package let previousTraitNames: [String]
    package var onProgress: (Int) -> Void = { _ in }
    /// The rows are a warehouse-side diff's: rows not sent are unchanged, removed keys are marked.
    package var sparse = false
    /// The result's row count when the rows streamed are not all of it (a warehouse-side diff).
    package var rowsInResult: Int?
    /// The rows end with `WarehouseDiffSQL.removedColumn` (a warehouse-side diff's): only then is
    /// a column of that name the removed mark.
    package var marksRemovals = false
    /// The query was sent without the key's text cast (`SQLDialect.orderedByKey(keyIsText:)`), so the
    /// key column must still be its own text when the columns arrive; else `columns` throws
    /// `SyncError` (`.keyTypeMoved`) and changes nothing, and the rows can be read again with the cast.
    package var readsKeyAsIs = false
    private let full: Bool

    private var order: KeyOrder
    private var checks: RowChecks
    private var emitter: ChangeEmitter

    package private(set) var traitNames: [String] = []
    package var counts: DiffCounts {
        var counts = emitter.counts
        counts.invalid = checks.invalid
        return counts
    }
    package var samples: [SampleChange] { emitter.samples }
    /// How many sample changes are kept (10 for a plan's output, 100 for a saved plan).
    package var sampleLimit: Int {
        get { emitter.sampleLimit }
        set { emitter.sampleLimit = newValue }
    }
    /// The first duplicate keys with how often each appeared, and how many keys were duplicated.
    package var duplicates: [(key: String, count: Int)] { order.duplicates }
    package var duplicateKeys: Int { order.duplicateKeys }
    /// The first rows counted invalid, with why.
    package var invalidRows: [InvalidRow] { checks.invalidRows }
    /// How many invalid rows are kept (the run keeps them in the store; `counts.invalid` has them all).
    package var invalidRowLimit: Int {
        get { checks.invalidRowLimit }
        set { checks.invalidRowLimit = newValue }
    }
    /// Rows whose key is in the snapshot but whose new values cannot be stored: the snapshot
    /// keeps their previous values, so they count toward its rows.
    package var keptRows: Int { checks.keptRows }
    /// How many profiles held a value of each trait the snapshot had and the result has not.
    package var droppedTraitProfiles: [String: Int] { emitter.droppedTraitProfiles }

    /// The result's shape: the key's name and type, each trait's type (`SchemaObserver`).
    package var schema: ResultSchema { observer.schema(key: model.key, traitNames: traitNames) }
    private var observer = SchemaObserver(declared: [], columns: [])

    private var keyIndex = 0
    private var removedIndex: Int?
    private var keyType = ValueType.text
    /// Whether the key column is the warehouse's text cast of the key (`SQLDialect.keyText`).
    private var keyIsText = false
    private let hashing: any ByteHashing
    private var traitIndexes: [Int] = []
    private var canonicalHasher: RowHasher
    private var wireHasher: RowHasher
    private var encoder = TraitEncoder()
    /// The traits' columns when they are adjacent and in order (`SELECT key, *traits`): their
    /// wire bytes are then one slice of the line.
    private var adjacentTraits: ClosedRange<Int>?
    private let wireScratch = ByteScratch()
    private var cursorHasRow = false
    /// The differences waiting for their old traits, when the snapshot read leaves them out.
    private var deferred: DeferredChanges?
    /// The snapshot rows the merge has moved past.
    private var snapshotRows = 0

    /// Where a row stands against the snapshot.
    private enum Match {
        case unchanged, added, duplicate
        /// `old` is nil while the snapshot's traits are deferred.
        case changed(old: EncodedTraits?)
    }

    /// - Parameters:
    ///   - hashing: the row hash's engine (XXH3-64 in production).
    ///   - json: the check JSON values pass before they are stored.
    package init(
        model: Model, cursor: any SnapshotCursor, previousTraitNames: [String], spool: ChangeSpool, full: Bool,
        hashing: any ByteHashing, json: any JSONChecking
    ) {
        self.model = model
        self.cursor = cursor
        self.previousTraitNames = previousTraitNames
        self.full = full
        self.hashing = hashing
        order = KeyOrder(model: model.name)
        checks = RowChecks(json: json)
        emitter = ChangeEmitter(
            spool: spool, full: full, onRemove: model.onRemove, previousTraitNames: previousTraitNames)
        canonicalHasher = RowHasher(traitNames: [], using: hashing)
        wireHasher = RowHasher(traitNames: [], using: hashing)
    }

    package mutating func columns(_ columns: [Column]) throws {
        let layout = try ResultLayout(columns: columns, model: model, marksRemovals: marksRemovals)
        // Before any state changes: the runner reads again through the key's text cast.
        if readsKeyAsIs && !layout.keyIsText {
            throw SyncError(
                .keyTypeMoved, model: model.name,
                "the key column \(model.key) changed type between the run's compile and its read: it is no longer "
                    + "text or varchar",
                hint: "run the model again")
        }
        keyIndex = layout.keyIndex
        removedIndex = layout.removedIndex
        keyIsText = layout.keyIsText
        keyType = layout.keyType
        traitNames = layout.traitNames
        traitIndexes = layout.traitIndexes
        adjacentTraits = layout.adjacentTraits
        checks.configure(layout, checksValues: model.kind == .traits)
        emitter.configure(traitNames: traitNames)
        observer = SchemaObserver(declared: layout.declaredTypes, columns: layout.schemaColumns)
        // The seed covers each trait's type: a column that turns from text '7' into integer 7 keeps
        // its wire bytes but changes its hash, so the values are compared and the change found.
        let types = layout.traitTypeNames
        canonicalHasher = RowHasher(traitNames: traitNames + ["\u{0}types"] + types, using: hashing)
        wireHasher = RowHasher(traitNames: traitNames + ["\u{0}wire"] + types, using: hashing)
        cursorHasRow = try cursor.next()
        // An empty snapshot has no old traits to defer: every row is added.
        if cursor.defersTraits && cursorHasRow { deferred = try DeferredChanges() }
    }

    // MARK: - Rows

    package mutating func row(_ values: [Value]) throws {
        if let removedIndex, values[removedIndex] == .bool(true) {
            var key = values[keyIndex].keyText ?? ""
            return try key.withUTF8 { try removed(UnsafeRawBufferPointer($0)) }
        }
        countRow()
        guard var key = checks.usableKey(values[keyIndex], keyIsText: keyIsText) else { return }
        if observer.watchesValues { observer.note { values[$0] } }
        encodeTraits { values[$0] }
        let hash = canonicalHasher.hash(encoder.buffer)
        let match = try key.withUTF8 { try self.match(UnsafeRawBufferPointer($0), hash: hash) }
        if case .unchanged = match {
        } else if let bad = checks.unstorable({ values[$0] }, raw: false) {
            return keep(match, key: key, bad)
        }
        try apply(match, key: key, hash: hash)
    }

    package mutating func row(raw: RawRow) throws {
        if let removedIndex, raw.value(removedIndex) == .bool(true) {
            return try raw.withText(keyIndex) { try removed(UnsafeRawBufferPointer($0)) }
        }
        countRow()
        guard checks.hasUsableKey(raw, at: keyIndex) else { return }
        if observer.watchesValues { observer.note { raw.value($0) } }
        let hash = wireHasher.hash(wireBytes(raw))
        let match: Match
        let keyString: String?
        switch keyType {
        case .text, .int, .decimal, .date, .unknown:
            // Their wire text is their key text: compare without making a String.
            match = try raw.withText(keyIndex) { try self.match(UnsafeRawBufferPointer($0), hash: hash) }
            keyString = nil
        default:
            var key = raw.value(keyIndex).keyText ?? ""
            match = try key.withUTF8 { try self.match(UnsafeRawBufferPointer($0), hash: hash) }
            keyString = key
        }
        switch match {
        case .unchanged:
            emitter.counts.unchanged += 1
            return
        case .duplicate: return
        default: break
        }
        let key = keyString ?? raw.withText(keyIndex) { String(decoding: $0, as: UTF8.self) }
        if let bad = checks.unstorable({ raw.value($0) }, raw: true) {
            return keep(match, key: key, bad)
        }
        encodeTraits { raw.value($0) }
        try apply(match, key: key, hash: hash)
    }

    /// Each trait's wire bytes followed by a tab, in the scratch buffer (valid until the next row).
    private func wireBytes(_ raw: RawRow) -> UnsafeRawBufferPointer {
        wireScratch.removeAll()
        if model.kind == .traits {
            if let adjacent = adjacentTraits {
                raw.withWireBytes(from: adjacent.lowerBound, through: adjacent.upperBound) {
                    wireScratch.append(UnsafeRawBufferPointer($0))
                }
                wireScratch.append(9)
            } else {
                for index in traitIndexes {
                    raw.withWireBytes(index) { wireScratch.append(UnsafeRawBufferPointer($0)) }
                    wireScratch.append(9)
                }
            }
        }
        return wireScratch.bytes
    }

    private mutating func keep(_ match: Match, key: String, _ bad: (column: String, reason: String)) {
        let inSnapshot = if case .changed = match { true } else { false }
        checks.keep(inSnapshot: inSnapshot, key: key, column: bad.column, reason: bad.reason)
    }

    private mutating func countRow() {
        emitter.counts.rowsRead += 1
        if emitter.counts.rowsRead & 0xFFFF == 0 { onProgress(emitter.counts.rowsRead) }
    }

    private mutating func encodeTraits(_ value: (Int) -> Value) {
        if model.kind == .segment {
            encoder.encode(CollectionOfOne(Value.bool(true)))
        } else {
            encoder.encode(traitIndexes.lazy.map(value))
        }
    }

    // MARK: - The merge

    /// Checks the key's order, advances the snapshot to it (rows passed over were removed), and
    /// says whether the row is new, unchanged or changed.
    private mutating func match(_ key: UnsafeRawBufferPointer, hash: UInt64) throws -> Match {
        guard let found = try advance(to: key) else { return .duplicate }
        guard found else { return .added }
        let result: Match =
            cursor.hash == hash && !full ? .unchanged : .changed(old: deferred == nil ? cursor.traits() : nil)
        try moveToNextSnapshotRow()
        return result
    }

    /// A key the warehouse-side diff marked removed: its snapshot row, if any, is removed.
    private mutating func removed(_ key: UnsafeRawBufferPointer) throws {
        guard try advance(to: key) == true else { return }
        try removeCurrent()
        try moveToNextSnapshotRow()
    }

    /// Checks the key's order and moves the snapshot up to it: the rows passed over were removed
    /// (or, in a sparse diff, unchanged). Whether the snapshot's current row has the key; nil for
    /// a duplicate of the previous key.
    private mutating func advance(to key: UnsafeRawBufferPointer) throws -> Bool? {
        guard try order.admit(key) else { return nil }
        while cursorHasRow {
            let order = cursor.compareKey(to: key)
            if order >= 0 { return order == 0 }
            try passOver()
            try moveToNextSnapshotRow()
        }
        return false
    }

    /// The snapshot's current row, which no row of the result names.
    private mutating func passOver() throws {
        if sparse { emitter.counts.unchanged += 1 } else { try removeCurrent() }
    }

    private mutating func moveToNextSnapshotRow() throws {
        snapshotRows += 1
        cursorHasRow = try cursor.next()
    }

    /// The snapshot's current row left the model.
    private mutating func removeCurrent() throws {
        if deferred != nil {
            let key = cursor.key
            try deferred?.hold(.removed, key: key, hash: 0, traits: EncodedTraits(bytes: []))
        } else {
            try emitter.removed(key: cursor.key, old: cursor.traits())
        }
    }

    private mutating func apply(_ match: Match, key: String, hash: UInt64) throws {
        switch match {
        case .unchanged: emitter.counts.unchanged += 1
        case .duplicate: break
        case .changed(let old?): try emitter.changed(key: key, hash: hash, encoded: encoder.encoded, old: old)
        case .changed(nil): try deferred?.hold(.changed, key: key, hash: hash, traits: encoder.encoded)
        case .added:
            // While traits are deferred, added rows wait too: the spool keeps the key order.
            if deferred != nil {
                try deferred?.hold(.added, key: key, hash: hash, traits: encoder.encoded)
            } else {
                try emitter.added(key: key, hash: hash, encoded: encoder.encoded)
            }
        }
    }

    /// Everything left in the snapshot after the last row is removed.
    package mutating func finish() throws {
        if order.duplicateKeys > 0 { return }
        while cursorHasRow {
            try passOver()
            try moveToNextSnapshotRow()
        }
        try deferred?.emit(reading: cursor, snapshotRows: snapshotRows, into: &emitter, model: model.name)
        if let rowsInResult { emitter.counts.rowsRead = rowsInResult }
        onProgress(emitter.counts.rowsRead)
    }
}

/// Compares the model's result, streamed in key order, with its snapshot, read in key order:
/// a merge of two sorted streams, so memory does not grow with the row count. Each difference
/// goes to the change spool; unchanged rows go nowhere and, on the wire path, are never decoded.
///
/// A row's hash is taken over its canonical values, or, for rows that arrive undecoded
/// (`row(raw:)`, PostgreSQL COPY), over the bytes the warehouse sent. A hash that differs from the
/// snapshot's leads to a trait-by-trait comparison of canonical values, so the choice of hash
/// never changes what counts as changed.
///
/// With `sparse` set, the rows are a warehouse-side diff's (docs/warehouse-diff.md): only added and changed rows,
/// and removed keys marked by `WarehouseDiffSQL.removedColumn`; a snapshot row no row names is
/// unchanged, and `rowsInResult` gives the result's row count.
package struct DiffReceiver: RowReceiver {
    let model: Model
    let cursor: any SnapshotCursor
    package let previousTraitNames: [String]
    let spool: ChangeSpool
    let full: Bool
    package var onProgress: (Int) -> Void = { _ in }
    /// The rows are a warehouse-side diff's: rows not sent are unchanged, removed keys are marked.
    package var sparse = false
    /// The result's row count when the rows streamed are not all of it (a warehouse-side diff).
    package var rowsInResult: Int?
    /// The rows end with `WarehouseDiffSQL.removedColumn` (a warehouse-side diff's): only then is
    /// a column of that name the removed mark.
    package var marksRemovals = false

    package private(set) var traitNames: [String] = []
    package private(set) var counts = DiffCounts()
    package private(set) var samples: [SampleChange] = []
    /// The first duplicate keys with how often each appeared, and how many keys were duplicated.
    package private(set) var duplicates: [(key: String, count: Int)] = []
    package private(set) var duplicateKeys = 0
    /// The first rows counted invalid, with why.
    package private(set) var invalidRows: [InvalidRow] = []
    /// Rows whose key is in the snapshot but whose new values cannot be stored: the snapshot
    /// keeps their previous values, so they count toward its rows.
    package private(set) var keptRows = 0
    /// How many profiles held a value of each trait the snapshot had and the result has not.
    package private(set) var droppedTraitProfiles: [String: Int] = [:]

    /// The result's shape: the key's name and type, each trait's type (`SchemaObserver`).
    package var schema: ResultSchema { observer.schema(key: model.key, traitNames: traitNames) }
    private var observer = SchemaObserver(declared: [], columns: [])

    private var keyIndex = 0
    private var removedIndex: Int?
    private var keyType = ValueType.text
    /// Whether the key column is the warehouse's text cast of the key (`SQLDialect.keyText`).
    private var keyIsText = false
    /// Positions of the traits whose values are checked before they are stored (decoded rows, COPY rows).
    private var decodedChecked: [Int] = []
    private var rawChecked: [Int] = []
    /// Checks JSON values before they are stored (owns a private SQLite connection).
    private let json: any JSONChecking
    private let hashing: any ByteHashing
    private var traitIndexes: [Int] = []
    private var canonicalHasher: RowHasher
    private var wireHasher: RowHasher
    private var encoder = TraitEncoder()
    /// The traits' columns when they are adjacent and in order (`SELECT key, *traits`): their
    /// wire bytes are then one slice of the line.
    private var adjacentTraits: ClosedRange<Int>?
    private let wireScratch = ByteScratch()
    private let lastKey = ByteScratch()
    private var hasLastKey = false
    private var currentDuplicate: [UInt8]?
    private var cursorHasRow = false
    private var previousIndexByName: [String: Int] = [:]
    /// Every trait's index: what an added row sets (built once, shared by every added change).
    private var allTraits: [Int] = []
    private var droppedTraits: [String] = []
    /// The dropped traits a changed row unsets (none with `on_remove: keep`).
    private var unsetDropped: [String] = []
    private var droppedPositions: [Int] = []
    /// How many sample changes are kept (10 for a plan's output, 100 for a saved plan).
    package var sampleLimit = 10
    /// How many invalid rows are kept (the run keeps them in the store; `counts.invalid` has them all).
    package var invalidRowLimit = 10
    private static let duplicateLimit = 5

    /// Where a row stands against the snapshot.
    private enum Match {
        case unchanged, added, duplicate
        case changed(old: EncodedTraits)
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
        self.spool = spool
        self.full = full
        self.json = json
        self.hashing = hashing
        canonicalHasher = RowHasher(traitNames: [], using: hashing)
        wireHasher = RowHasher(traitNames: [], using: hashing)
    }

    package mutating func columns(_ columns: [Column]) throws {
        let layout = try ResultLayout(columns: columns, model: model, marksRemovals: marksRemovals)
        keyIndex = layout.keyIndex
        removedIndex = layout.removedIndex
        keyIsText = layout.keyIsText
        keyType = layout.keyType
        traitNames = layout.traitNames
        traitIndexes = layout.traitIndexes
        decodedChecked = layout.decodedChecked
        rawChecked = layout.rawChecked
        adjacentTraits = layout.adjacentTraits
        allTraits = Array(traitNames.indices)
        observer = SchemaObserver(declared: layout.declaredTypes, columns: layout.schemaColumns)
        // The seed covers each trait's type: a column that turns from text '7' into integer 7 keeps
        // its wire bytes but changes its hash, so the values are compared and the change found.
        let types = layout.traitTypeNames
        canonicalHasher = RowHasher(traitNames: traitNames + ["\u{0}types"] + types, using: hashing)
        wireHasher = RowHasher(traitNames: traitNames + ["\u{0}wire"] + types, using: hashing)
        previousIndexByName = Dictionary(
            previousTraitNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        droppedTraits = previousTraitNames.filter { !traitNames.contains($0) }
        unsetDropped = model.onRemove == .unset ? droppedTraits : []
        droppedPositions = droppedTraits.compactMap { previousIndexByName[$0] }
        cursorHasRow = try cursor.next()
    }

    // MARK: - Rows

    package mutating func row(_ values: [Value]) throws {
        if let removedIndex, values[removedIndex] == .bool(true) {
            var key = values[keyIndex].keyText ?? ""
            return try key.withUTF8 { try removed(UnsafeRawBufferPointer($0)) }
        }
        countRow()
        if case .bytes(let raw) = values[keyIndex], keyIsText {
            // The key's text cast came back as bytes: it is not valid UTF-8.
            noteInvalid(
                key: raw.withUnsafeBytes(ProfileKey.shown), column: nil, reason: "the key is not valid UTF-8 text")
            return
        }
        guard var key = values[keyIndex].keyText else {
            noteInvalid(key: nil, column: nil, reason: "the key is NULL")
            return
        }
        if let problem = key.withUTF8({ ProfileKey.problem(UnsafeRawBufferPointer($0)) }) {
            noteInvalid(
                key: key.withUTF8 { ProfileKey.shown(UnsafeRawBufferPointer($0)) }, column: nil, reason: problem)
            return
        }
        if observer.watchesValues { observer.note { values[$0] } }
        encodeTraits { values[$0] }
        let hash = canonicalHasher.hash(encoder.buffer)
        let match = try key.withUTF8 { try self.match(UnsafeRawBufferPointer($0), hash: hash) }
        if case .unchanged = match {
        } else if let bad = unstorable({ values[$0] }, raw: false) {
            return keep(match, key: key, column: bad.column, reason: bad.reason)
        }
        try apply(match, key: key, hash: hash)
    }

    /// The first trait whose value the store cannot hold exactly.
    private func unstorable(_ value: (Int) -> Value, raw: Bool) -> (column: String, reason: String)? {
        guard model.kind == .traits else { return nil }
        for position in raw ? rawChecked : decodedChecked {
            let index = traitIndexes[position]
            if let reason = value(index).unstorableReason(json) { return (traitNames[position], reason) }
        }
        return nil
    }

    /// A row with a usable key but a value the store cannot hold: nothing is written for it and
    /// its profile and snapshot row stay as they were.
    private mutating func keep(_ match: Match, key: String, column: String, reason: String) {
        if case .changed = match { keptRows += 1 }
        var key = key
        noteInvalid(key: key.withUTF8 { ProfileKey.shown(UnsafeRawBufferPointer($0)) }, column: column, reason: reason)
    }

    private mutating func noteInvalid(key: String?, column: String?, reason: String) {
        counts.invalid += 1
        if invalidRows.count < invalidRowLimit {
            invalidRows.append(InvalidRow(key: key, column: column, reason: reason))
        }
    }

    package mutating func row(raw: RawRow) throws {
        if let removedIndex, raw.value(removedIndex) == .bool(true) {
            return try raw.withText(keyIndex) { try removed(UnsafeRawBufferPointer($0)) }
        }
        countRow()
        if raw.isNull(keyIndex) {
            noteInvalid(key: nil, column: nil, reason: "the key is NULL")
            return
        }
        if let problem = raw.withText(keyIndex, { ProfileKey.problem(UnsafeRawBufferPointer($0)) }) {
            noteInvalid(
                key: raw.withText(keyIndex) { ProfileKey.shown(UnsafeRawBufferPointer($0)) }, column: nil,
                reason: problem)
            return
        }
        if observer.watchesValues { observer.note { raw.value($0) } }
        // Each trait's wire bytes followed by a tab.
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
        let hash = wireHasher.hash(wireScratch.bytes)
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
            counts.unchanged += 1
            return
        case .duplicate: return
        default: break
        }
        let key = keyString ?? raw.withText(keyIndex) { String(decoding: $0, as: UTF8.self) }
        if let bad = unstorable({ raw.value($0) }, raw: true) {
            return keep(match, key: key, column: bad.column, reason: bad.reason)
        }
        encodeTraits { raw.value($0) }
        try apply(match, key: key, hash: hash)
    }

    private mutating func countRow() {
        counts.rowsRead += 1
        if counts.rowsRead & 0xFFFF == 0 { onProgress(counts.rowsRead) }
    }

    private mutating func encodeTraits(_ value: (Int) -> Value) {
        if model.kind == .segment {
            encoder.encode(CollectionOfOne(Value.bool(true)))
        } else {
            encoder.encode(traitIndexes.lazy.map(value))
        }
    }

    /// Checks the key's order, advances the snapshot to it (rows passed over were removed), and
    /// says whether the row is new, unchanged or changed.
    private mutating func match(_ key: UnsafeRawBufferPointer, hash: UInt64) throws -> Match {
        guard let found = try advance(to: key) else { return .duplicate }
        guard found else { return .added }
        let result: Match = cursor.hash == hash && !full ? .unchanged : .changed(old: cursor.traits())
        cursorHasRow = try cursor.next()
        return result
    }

    /// A key the warehouse-side diff marked removed: its snapshot row, if any, is removed.
    private mutating func removed(_ key: UnsafeRawBufferPointer) throws {
        guard try advance(to: key) == true else { return }
        try emitRemoved(cursor.key)
        cursorHasRow = try cursor.next()
    }

    /// Checks the key's order and moves the snapshot up to it: the rows passed over were removed
    /// (or, in a sparse diff, unchanged). Whether the snapshot's current row has the key; nil for
    /// a duplicate of the previous key.
    private mutating func advance(to key: UnsafeRawBufferPointer) throws -> Bool? {
        if hasLastKey {
            let order = compareBytes(lastKey.bytes, key)
            if order == 0 {
                noteDuplicate(key)
                return nil
            }
            guard order < 0 else {
                throw SyncError(
                    .keyOrder, model: model.name,
                    "the source returned key \(String(decoding: key, as: UTF8.self)) after "
                        + "\(String(decoding: lastKey.bytes, as: UTF8.self)): rows are not in byte order of the key",
                    hint: "the source's collation differs from byte order; report this with the source kind")
            }
        }
        lastKey.removeAll()
        lastKey.append(key)
        hasLastKey = true
        while cursorHasRow {
            let order = cursor.compareKey(to: key)
            if order >= 0 { return order == 0 }
            try passOver()
            cursorHasRow = try cursor.next()
        }
        return false
    }

    /// The snapshot's current row, which no row of the result names.
    private mutating func passOver() throws {
        if sparse { counts.unchanged += 1 } else { try emitRemoved(cursor.key) }
    }

    private mutating func apply(_ match: Match, key: String, hash: UInt64) throws {
        switch match {
        case .unchanged:
            counts.unchanged += 1
        case .duplicate:
            break
        case .changed(let old):
            try emitChanged(key: key, hash: hash, encoded: encoder.encoded, old: old)
        case .added:
            let encoded = encoder.encoded
            counts.added += 1
            let all = allTraits
            counts.traitsWritten += all.count
            if samples.count < sampleLimit {
                let values = encoded.traits(count: traitNames.count)
                for i in all where samples.count < sampleLimit {
                    samples.append(SampleChange(key: key, trait: traitNames[i], old: nil, new: values[i]))
                }
            }
            try spool.append(
                Change(kind: .added, key: key, hash: hash, traits: encoded, setTraits: all, unsetTraits: []))
        }
    }

    /// Everything left in the snapshot after the last row is removed.
    package mutating func finish() throws {
        if duplicateKeys > 0 { return }
        while cursorHasRow {
            try passOver()
            cursorHasRow = try cursor.next()
        }
        if let rowsInResult { counts.rowsRead = rowsInResult }
        onProgress(counts.rowsRead)
    }

    private mutating func emitChanged(key: String, hash: UInt64, encoded: EncodedTraits, old: EncodedTraits) throws {
        let newValues = encoded.traits(count: traitNames.count)
        let oldValues = old.traits(count: previousTraitNames.count)
        var set: [Int] = []
        for (i, name) in traitNames.enumerated() {
            let previous = previousIndexByName[name].flatMap {
                $0 < oldValues.count && oldValues[$0] != EncodedTraits.absent ? oldValues[$0] : nil
            }
            if full || previous != newValues[i] {
                set.append(i)
                if samples.count < sampleLimit {
                    samples.append(SampleChange(key: key, trait: name, old: previous, new: newValues[i]))
                }
            }
        }
        var unset = unsetDropped
        for (position, trait) in zip(droppedPositions, droppedTraits)
        where position < oldValues.count && oldValues[position] != EncodedTraits.absent {
            droppedTraitProfiles[trait, default: 0] += 1
        }
        if !unset.isEmpty {
            // Only traits the profile holds are unset (and logged): a NULL was never written.
            unset = unset.filter { name in
                previousIndexByName[name].map { $0 < oldValues.count && oldValues[$0] != EncodedTraits.absent } ?? false
            }
        }
        // Equal values under a new hash (a new wire form, say) still refresh the snapshot's hash.
        if set.isEmpty && unset.isEmpty { counts.unchanged += 1 } else { counts.changed += 1 }
        counts.traitsWritten += set.count + unset.count
        try spool.append(
            Change(
                kind: .changed, key: key, hash: hash, traits: encoded, setTraits: set, unsetTraits: unset, old: old))
    }

    private mutating func emitRemoved(_ key: String) throws {
        counts.removed += 1
        let unset = model.onRemove == .unset ? previousTraitNames : []
        counts.traitsWritten += unset.count
        let oldTraits = cursor.traits()
        if samples.count < sampleLimit {
            let old = oldTraits.traits(count: previousTraitNames.count)
            for (i, name) in previousTraitNames.enumerated()
            where samples.count < sampleLimit && i < old.count && old[i] != EncodedTraits.absent {
                samples.append(
                    SampleChange(key: key, trait: name, old: old[i], new: model.onRemove == .unset ? nil : old[i]))
            }
        }
        try spool.append(
            Change(
                kind: .removed, key: key, hash: 0, traits: EncodedTraits(bytes: []), setTraits: [], unsetTraits: unset,
                old: oldTraits))
    }

    private mutating func noteDuplicate(_ key: UnsafeRawBufferPointer) {
        if let current = currentDuplicate, current.withUnsafeBytes({ compareBytes($0, key) }) == 0 {
            if duplicates.count == duplicateKeys { duplicates[duplicates.count - 1].count += 1 }
        } else {
            currentDuplicate = Array(key)
            duplicateKeys += 1
            if duplicates.count < Self.duplicateLimit { duplicates.append((String(decoding: key, as: UTF8.self), 2)) }
        }
    }
}

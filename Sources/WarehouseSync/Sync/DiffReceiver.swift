import Connectors

/// Compares the model's result, streamed in key order, with its snapshot, read in key order:
/// a merge of two sorted streams, so memory does not grow with the row count. Each difference
/// goes to the change spool; unchanged rows go nowhere.
struct DiffReceiver: RowReceiver {
    let model: Model
    let cursor: any SnapshotCursor
    let previousTraitNames: [String]
    let spool: ChangeSpool
    let full: Bool
    var onProgress: (Int) -> Void = { _ in }

    private(set) var traitNames: [String] = []
    private(set) var counts = DiffCounts()
    private(set) var samples: [SampleChange] = []
    /// The first duplicate keys with how often each appeared, and how many keys were duplicated.
    private(set) var duplicates: [(key: String, count: Int)] = []
    private(set) var duplicateKeys = 0

    private var keyIndex = 0
    private var traitIndexes: [Int] = []
    private var hasher = RowHasher(traitNames: [])
    private var encoder = TraitEncoder()
    private var lastKey: String?
    private var currentDuplicate: String?
    private var cursorHasRow = false
    private var previousIndexByName: [String: Int] = [:]
    private var droppedTraits: [String] = []
    private static let sampleLimit = 10
    private static let duplicateLimit = 5

    init(model: Model, cursor: any SnapshotCursor, previousTraitNames: [String], spool: ChangeSpool, full: Bool) {
        self.model = model
        self.cursor = cursor
        self.previousTraitNames = previousTraitNames
        self.spool = spool
        self.full = full
    }

    mutating func columns(_ columns: [Column]) throws {
        let names = columns.map(\.name)
        guard let key = names.firstIndex(of: model.key) else {
            throw SyncError(.missingColumn, model: model.name, "the result has no key column \(model.key) (\(model.file):\(model.headerLines["key"] ?? 1))",
                            hint: "the result's columns are \(names.joined(separator: ", "))")
        }
        keyIndex = key
        traitNames = model.traitNames(columns: names)
        if model.kind == .traits {
            traitIndexes = try traitNames.map { trait in
                guard let index = names.firstIndex(of: trait) else {
                    throw SyncError(.missingColumn, model: model.name, "trait \(trait) is not a column of the result (\(model.file):\(model.headerLines["traits"] ?? 1))",
                                    hint: "the result's columns are \(names.joined(separator: ", "))")
                }
                return index
            }
            guard !traitNames.isEmpty else {
                throw SyncError(.missingColumn, model: model.name, "the result has no trait columns besides the key \(model.key)")
            }
        }
        if let bad = traitNames.first(where: { !isIdentifierLike($0) }) {
            throw SyncError(.badTraitName, model: model.name, "column \"\(bad)\" cannot be a trait name",
                            hint: "alias it in the query to letters, digits and '_' (AS \(bad.filter { $0.isLetter || $0.isNumber || $0 == "_" }))")
        }
        hasher = RowHasher(traitNames: traitNames)
        previousIndexByName = Dictionary(previousTraitNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        droppedTraits = previousTraitNames.filter { !traitNames.contains($0) }
        cursorHasRow = try cursor.next()
    }

    mutating func row(_ values: [Value]) throws {
        counts.rowsRead += 1
        if counts.rowsRead & 0xFFFF == 0 { onProgress(counts.rowsRead) }
        guard let key = values[keyIndex].keyText else {
            counts.invalid += 1
            return
        }
        if let last = lastKey {
            // Bytes, not String ==: Unicode-equivalent keys with different bytes are different keys.
            let order = compareUTF8(last, key)
            if order == 0 {
                noteDuplicate(key)
                return
            }
            guard order < 0 else {
                throw SyncError(.keyOrder, model: model.name, "the source returned key \(key) after \(last): rows are not in byte order of the key",
                                hint: "the source's collation differs from byte order; report this with the source kind")
            }
        }
        lastKey = key
        if model.kind == .segment {
            encoder.encode(CollectionOfOne(Value.bool(true)))
        } else {
            encoder.encode(traitIndexes.lazy.map { values[$0] })
        }
        let hash = hasher.hash(encoder.buffer)
        var order = cursorHasRow ? cursor.compareKey(to: key) : 1
        while order < 0 {
            try emitRemoved(cursor.key)
            cursorHasRow = try cursor.next()
            order = cursorHasRow ? cursor.compareKey(to: key) : 1
        }
        if order == 0 {
            if cursor.hash == hash && !full {
                counts.unchanged += 1
            } else {
                try emitChanged(key: key, hash: hash, encoded: encoder.encoded, old: cursor.traits())
            }
            cursorHasRow = try cursor.next()
        } else {
            let encoded = encoder.encoded
            counts.added += 1
            let all = Array(traitNames.indices)
            counts.traitsWritten += all.count
            if samples.count < Self.sampleLimit {
                let values = encoded.traits(count: traitNames.count)
                for i in all where samples.count < Self.sampleLimit { samples.append(SampleChange(key: key, trait: traitNames[i], old: nil, new: values[i])) }
            }
            try spool.append(Change(kind: .added, key: key, hash: hash, traits: encoded, setTraits: all, unsetTraits: []))
        }
    }

    /// Everything left in the snapshot after the last row is removed.
    mutating func finish() throws {
        if duplicateKeys > 0 { return }
        while cursorHasRow {
            try emitRemoved(cursor.key)
            cursorHasRow = try cursor.next()
        }
        onProgress(counts.rowsRead)
    }

    private mutating func emitChanged(key: String, hash: UInt64, encoded: EncodedTraits, old: EncodedTraits) throws {
        let newValues = encoded.traits(count: traitNames.count)
        let oldValues = old.traits(count: previousTraitNames.count)
        var set: [Int] = []
        for (i, name) in traitNames.enumerated() {
            let previous = previousIndexByName[name].flatMap { $0 < oldValues.count ? oldValues[$0] : nil }
            if full || previous != newValues[i] {
                set.append(i)
                if samples.count < Self.sampleLimit { samples.append(SampleChange(key: key, trait: name, old: previous, new: newValues[i])) }
            }
        }
        if set.isEmpty && droppedTraits.isEmpty { counts.unchanged += 1 } else { counts.changed += 1 }
        counts.traitsWritten += set.count + droppedTraits.count
        try spool.append(Change(kind: .changed, key: key, hash: hash, traits: encoded, setTraits: set, unsetTraits: droppedTraits))
    }

    private mutating func emitRemoved(_ key: String) throws {
        counts.removed += 1
        let unset = model.onRemove == .unset ? previousTraitNames : []
        counts.traitsWritten += unset.count
        if samples.count < Self.sampleLimit {
            let old = cursor.traits().traits(count: previousTraitNames.count)
            for (i, name) in previousTraitNames.enumerated() where samples.count < Self.sampleLimit && i < old.count {
                samples.append(SampleChange(key: key, trait: name, old: old[i], new: model.onRemove == .unset ? nil : old[i]))
            }
        }
        try spool.append(Change(kind: .removed, key: key, hash: 0, traits: EncodedTraits(bytes: []), setTraits: [], unsetTraits: unset))
    }

    private mutating func noteDuplicate(_ key: String) {
        if let current = currentDuplicate, compareUTF8(current, key) == 0 {
            if duplicates.last?.key == key { duplicates[duplicates.count - 1].count += 1 }
        } else {
            currentDuplicate = key
            duplicateKeys += 1
            if duplicates.count < Self.duplicateLimit { duplicates.append((key, 2)) }
        }
    }
}

/// Turns each difference the merge finds into a change in the spool: an added profile sets every
/// trait, a changed one the traits whose values differ (and unsets the traits the model dropped,
/// with `on_remove: unset`), a removed one unsets what it had. Counts them, and keeps the first
/// few trait changes as samples.
struct ChangeEmitter {
    private let spool: ChangeSpool
    /// Every row counts as changed and every trait is set (`--full`).
    private let full: Bool
    private let onRemove: Model.OnRemove
    /// How many sample changes are kept (10 for a plan's output, 100 for a saved plan).
    var sampleLimit = 10
    private(set) var samples: [SampleChange] = []
    /// The result's counts; `invalid` is the row checks'.
    var counts = DiffCounts()
    /// How many profiles held a value of each trait the snapshot had and the result has not.
    private(set) var droppedTraitProfiles: [String: Int] = [:]

    private var traitNames: [String] = []
    private let previousTraitNames: [String]
    private let previousIndexByName: [String: Int]
    /// Every trait's index: what an added row sets (built once, shared by every added change).
    private var allTraits: [Int] = []
    private var droppedTraits: [String] = []
    /// The dropped traits a changed row unsets (none with `on_remove: keep`).
    private var unsetDropped: [String] = []
    private var droppedPositions: [Int] = []

    init(spool: ChangeSpool, full: Bool, onRemove: Model.OnRemove, previousTraitNames: [String]) {
        self.spool = spool
        self.full = full
        self.onRemove = onRemove
        self.previousTraitNames = previousTraitNames
        previousIndexByName = Dictionary(
            previousTraitNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Takes the result's traits, once its columns are known.
    mutating func configure(traitNames: [String]) {
        self.traitNames = traitNames
        allTraits = Array(traitNames.indices)
        droppedTraits = previousTraitNames.filter { !traitNames.contains($0) }
        unsetDropped = onRemove == .unset ? droppedTraits : []
        droppedPositions = droppedTraits.compactMap { previousIndexByName[$0] }
        spool.announce(traitNames: traitNames)
    }

    mutating func added(key: String, hash: UInt64, encoded: EncodedTraits) throws {
        counts.added += 1
        let all = allTraits
        counts.traitsWritten += all.count
        if samples.count < sampleLimit {
            let values = encoded.traits(count: traitNames.count)
            for i in all where samples.count < sampleLimit {
                samples.append(SampleChange(key: key, trait: traitNames[i], old: nil, new: values[i]))
            }
        }
        try spool.append(Change(kind: .added, key: key, hash: hash, traits: encoded, setTraits: all, unsetTraits: []))
    }

    mutating func changed(key: String, hash: UInt64, encoded: EncodedTraits, old: EncodedTraits) throws {
        let newValues = encoded.traits(count: traitNames.count)
        let oldValues = old.traits(count: previousTraitNames.count)
        func held(_ position: Int) -> Bool { position < oldValues.count && oldValues[position] != EncodedTraits.absent }
        var set: [Int] = []
        for (i, name) in traitNames.enumerated() {
            let previous = previousIndexByName[name].flatMap { held($0) ? oldValues[$0] : nil }
            if full || previous != newValues[i] {
                set.append(i)
                if samples.count < sampleLimit {
                    samples.append(SampleChange(key: key, trait: name, old: previous, new: newValues[i]))
                }
            }
        }
        for (position, trait) in zip(droppedPositions, droppedTraits) where held(position) {
            droppedTraitProfiles[trait, default: 0] += 1
        }
        // Only traits the profile holds are unset (and logged): a NULL was never written.
        let unset = unsetDropped.isEmpty ? [] : unsetDropped.filter { previousIndexByName[$0].map(held) ?? false }
        // Equal values under a new hash (a new wire form, say) still refresh the snapshot's hash.
        if set.isEmpty && unset.isEmpty { counts.unchanged += 1 } else { counts.changed += 1 }
        counts.traitsWritten += set.count + unset.count
        try spool.append(
            Change(
                kind: .changed, key: key, hash: hash, traits: encoded, setTraits: set, unsetTraits: unset, old: old))
    }

    /// A snapshot row no row of the result names any more, with the traits it had.
    mutating func removed(key: String, old: EncodedTraits) throws {
        counts.removed += 1
        let unset = onRemove == .unset ? previousTraitNames : []
        counts.traitsWritten += unset.count
        if samples.count < sampleLimit {
            let values = old.traits(count: previousTraitNames.count)
            for (i, name) in previousTraitNames.enumerated()
            where samples.count < sampleLimit && i < values.count && values[i] != EncodedTraits.absent {
                samples.append(
                    SampleChange(key: key, trait: name, old: values[i], new: onRemove == .unset ? nil : values[i]))
            }
        }
        try spool.append(
            Change(
                kind: .removed, key: key, hash: 0, traits: EncodedTraits(bytes: []), setTraits: [], unsetTraits: unset,
                old: old))
    }
}

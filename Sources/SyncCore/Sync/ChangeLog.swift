/// One row of the change log: one trait of one profile that a run changed, with the value before
/// and after as canonical JSON (the form the snapshot and `profiles` keep).
public struct ChangeLogEntry: Sendable, Equatable {
    public var key: String
    public var trait: String
    /// nil when the profile had no value from this model (an added key or trait).
    public var old: String?
    /// nil when the trait was unset (a removed key with `on_remove: unset`, a dropped trait). A value
    /// the warehouse returned as NULL is the JSON text `null`, not nil.
    public var new: String?

    public init(key: String, trait: String, old: String?, new: String?) {
        self.key = key
        self.trait = trait
        self.old = old
        self.new = new
    }
}

/// Turns a run's changes into change-log entries, given the run's trait names and the previous
/// run's (which the old values are laid out by).
package struct ChangeLogger {
    private let traitNames: [String]
    private let previousTraitNames: [String]
    private let previousIndex: [String: Int]

    package init(traitNames: [String], previousTraitNames: [String]) {
        self.traitNames = traitNames
        self.previousTraitNames = previousTraitNames
        previousIndex = Dictionary(
            previousTraitNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether `change` adds a profile: every set trait new (an added key has no old values), none
    /// unset. Its entries would be exactly its set traits, so the change log keeps them as one row of
    /// the profile's traits object, and a writer need not build them (a first sync adds millions).
    package func isAddedProfile(_ change: Change) -> Bool {
        change.kind == .added && !change.setTraits.isEmpty && change.unsetTraits.isEmpty
            && change.setTraits.allSatisfy { $0 < traitNames.count }
    }

    /// Whether `change` removes a profile (its key left the model): its entries are all unsets, so
    /// the change log keeps them as one row of the values the profile had (`removedTraitsObject`).
    package func isRemovedProfile(_ change: Change) -> Bool {
        change.kind == .removed && change.setTraits.isEmpty
    }

    /// The traits `change` changes, in trait order; a trait written with the value it had
    /// (`sync --full`) is not a change and is left out.
    package func entries(_ change: Change) -> [ChangeLogEntry] {
        let old = change.old.bytes.isEmpty ? [] : change.old.traits(count: previousTraitNames.count)
        func oldValue(_ name: String) -> String? {
            previousIndex[name].flatMap { $0 < old.count && old[$0] != EncodedTraits.absent ? old[$0] : nil }
        }
        var entries: [ChangeLogEntry] = []
        if !change.setTraits.isEmpty {
            let new = change.traits.traits(count: traitNames.count)
            for index in change.setTraits where index < new.count {
                let name = traitNames[index]
                let previous = change.kind == .added ? nil : oldValue(name)
                if previous != new[index] {
                    entries.append(ChangeLogEntry(key: change.key, trait: name, old: previous, new: new[index]))
                }
            }
        }
        // Unsetting a trait that had no value changes nothing.
        for name in change.unsetTraits {
            if let previous = oldValue(name) {
                entries.append(ChangeLogEntry(key: change.key, trait: name, old: previous, new: nil))
            }
        }
        return entries
    }
}

extension EncodedTraits {
    /// A trait with no value in a snapshot row that `revert` put back: the empty text, which no
    /// canonical value is, so the next sync writes whatever the warehouse says.
    package static let absent = ""

    /// Traits encoded from their canonical JSON texts, in order (the snapshot's layout).
    package init(values: [String]) {
        var bytes: [UInt8] = []
        for value in values {
            let n = UInt32(value.utf8.count)
            bytes += [UInt8(truncatingIfNeeded: n), UInt8(truncatingIfNeeded: n >> 8)]
            bytes += [UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 24)]
        }
        for value in values { bytes += value.utf8 }
        self.init(bytes: bytes)
    }

    /// Each trait's canonical JSON, given how many traits the blob holds.
    package func values(count: Int) -> [String] { traits(count: count) }
}

/// The outbox payload of one profile's change: the set traits as a JSON object `{TRAIT: VALUE...}`
/// (values spliced in as the canonical JSON they are; a NULL from the warehouse is `null`) and the
/// unset traits as a JSON array of names.
package func outboxPayload(_ entries: [ChangeLogEntry]) -> (set: String, unset: String) {
    var set: [UInt8] = [UInt8(ascii: "{")]
    var unset: [UInt8] = [UInt8(ascii: "[")]
    for entry in entries {
        if let value = entry.new {
            if set.count > 1 { set.append(UInt8(ascii: ",")) }
            appendJSONString(entry.trait, to: &set)
            set.append(UInt8(ascii: ":"))
            set += value.utf8
        } else {
            if unset.count > 1 { unset.append(UInt8(ascii: ",")) }
            appendJSONString(entry.trait, to: &unset)
        }
    }
    set.append(UInt8(ascii: "}"))
    unset.append(UInt8(ascii: "]"))
    return (String(decoding: set, as: UTF8.self), String(decoding: unset, as: UTF8.self))
}

/// A removed profile's change-log row: its unset traits' old values as one JSON object
/// `{TRAIT: OLD...}`, in the entries' order; nil when no entry had a value. `quoted`: each value as
/// a JSON string holding its canonical text (SQLite, whose JSON functions re-render values);
/// otherwise each value spliced in as the canonical JSON it is (PostgreSQL's `json` keeps the text).
package func removedTraitsObject(_ entries: [ChangeLogEntry], quoted: Bool) -> [UInt8]? {
    var object: [UInt8] = [UInt8(ascii: "{")]
    for entry in entries {
        guard let old = entry.old, entry.new == nil else { continue }
        if object.count > 1 { object.append(UInt8(ascii: ",")) }
        appendJSONString(entry.trait, to: &object)
        object.append(UInt8(ascii: ":"))
        if quoted { appendJSONString(old, to: &object) } else { object += old.utf8 }
    }
    guard object.count > 1 else { return nil }
    object.append(UInt8(ascii: "}"))
    return object
}

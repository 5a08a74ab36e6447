import Testing

@testable import SyncCore

/// The change log's entries, derived from a change without any database.
@Suite struct ChangeLoggerTests {
    static func encoded(_ values: [String]) -> EncodedTraits { EncodedTraits(values: values) }

    @Test func encodedTraitsRoundTrip() {
        let values = ["10.5", "\"low\"", "null", "{\"a\":[1,2]}", "\"ü\""]
        #expect(Self.encoded(values).values(count: values.count) == values)
        #expect(Self.encoded([]).values(count: 0) == [])
    }

    @Test func anAddedRowLogsEveryTraitWithNoOldValue() {
        let logger = ChangeLogger(traitNames: ["ltv", "risk"], previousTraitNames: ["ltv", "risk"])
        let change = Change(
            kind: .added, key: "u1", hash: 1, traits: Self.encoded(["10.5", "null"]), setTraits: [0, 1],
            unsetTraits: [])
        #expect(
            logger.entries(change) == [
                ChangeLogEntry(key: "u1", trait: "ltv", old: nil, new: "10.5"),
                ChangeLogEntry(key: "u1", trait: "risk", old: nil, new: "null"),
            ])
    }

    /// Writers keep an added profile as one change-log row without building its entries: exactly when
    /// its entries would be every set trait, each with no old value.
    @Test func anAddedProfileIsKnownWithoutBuildingItsEntries() {
        let logger = ChangeLogger(traitNames: ["ltv", "risk"], previousTraitNames: ["ltv"])
        let traits = Self.encoded(["10.5", "null"])
        let changes = [
            Change(kind: .added, key: "u1", hash: 1, traits: traits, setTraits: [0, 1], unsetTraits: []),
            Change(kind: .added, key: "u2", hash: 1, traits: traits, setTraits: [1], unsetTraits: []),
            Change(kind: .added, key: "u3", hash: 1, traits: traits, setTraits: [], unsetTraits: []),
            Change(
                kind: .changed, key: "u4", hash: 1, traits: traits, setTraits: [0, 1], unsetTraits: [],
                old: Self.encoded(["9"])),
            Change(
                kind: .removed, key: "u5", hash: 0, traits: EncodedTraits(bytes: []), setTraits: [],
                unsetTraits: ["ltv"], old: Self.encoded(["9"])),
        ]
        #expect(changes.map(logger.isAddedProfile) == [true, true, false, false, false])
        for change in changes where logger.isAddedProfile(change) {
            let entries = logger.entries(change)
            #expect(entries.count == change.setTraits.count)
            #expect(entries.allSatisfy { $0.old == nil && $0.new != nil })
        }
    }

    @Test func aChangedRowLogsOnlyTraitsWhoseValueMovedAndReadsOldValuesByName() {
        // The previous run wrote risk before ltv and a trait (gone) that this run no longer writes.
        let logger = ChangeLogger(traitNames: ["ltv", "risk", "tier"], previousTraitNames: ["risk", "ltv", "gone"])
        let change = Change(
            kind: .changed, key: "u1", hash: 2, traits: Self.encoded(["11", "\"low\"", "3"]), setTraits: [0, 1, 2],
            unsetTraits: ["gone"], old: Self.encoded(["\"low\"", "10.5", "true"]))
        #expect(
            logger.entries(change) == [
                ChangeLogEntry(key: "u1", trait: "ltv", old: "10.5", new: "11"),
                ChangeLogEntry(key: "u1", trait: "tier", old: nil, new: "3"),
                ChangeLogEntry(key: "u1", trait: "gone", old: "true", new: nil),
            ])
    }

    @Test func aRemovedRowLogsItsUnsetTraitsAndAKeptOneLogsNothing() {
        let logger = ChangeLogger(traitNames: ["ltv"], previousTraitNames: ["ltv"])
        let unset = Change(
            kind: .removed, key: "u9", hash: 0, traits: EncodedTraits(bytes: []), setTraits: [], unsetTraits: ["ltv"],
            old: Self.encoded(["7"]))
        #expect(logger.entries(unset) == [ChangeLogEntry(key: "u9", trait: "ltv", old: "7", new: nil)])
        let kept = Change(
            kind: .removed, key: "u9", hash: 0, traits: EncodedTraits(bytes: []), setTraits: [], unsetTraits: [],
            old: Self.encoded(["7"]))
        #expect(logger.entries(kept).isEmpty)
    }

    /// Writers keep a removed profile as one change-log row of the values it had: every entry of a
    /// removed key is an unset, and only traits that held a value are in the row.
    @Test func aRemovedProfileIsOneRowOfTheValuesItHad() {
        let logger = ChangeLogger(traitNames: ["ltv", "risk", "tier"], previousTraitNames: ["ltv", "risk", "tier"])
        let removed = Change(
            kind: .removed, key: "u9", hash: 0, traits: EncodedTraits(bytes: []), setTraits: [],
            unsetTraits: ["ltv", "risk", "tier"], old: Self.encoded(["10.50", "\"a \\\"b\\\"\"", EncodedTraits.absent]))
        let changed = Change(
            kind: .changed, key: "u1", hash: 2, traits: Self.encoded(["1", "2", "3"]), setTraits: [0], unsetTraits: [],
            old: Self.encoded(["0", "2", "3"]))
        #expect(logger.isRemovedProfile(removed))
        #expect(!logger.isRemovedProfile(changed))
        let entries = logger.entries(removed)
        #expect(entries.map(\.trait) == ["ltv", "risk"])
        let quoted = removedTraitsObject(entries, quoted: true).map { String(decoding: $0, as: UTF8.self) }
        #expect(quoted == #"{"ltv":"10.50","risk":"\"a \\\"b\\\"\""}"#)
        let spliced = removedTraitsObject(entries, quoted: false).map { String(decoding: $0, as: UTF8.self) }
        #expect(spliced == #"{"ltv":10.50,"risk":"a \"b\""}"#)
        // A kept key (on_remove: keep) unsets nothing, so it has no row.
        #expect(removedTraitsObject([], quoted: true) == nil)
        #expect(removedTraitsObject(logger.entries(changed), quoted: true) == nil)
    }

    @Test func theSpoolKeepsTheOldValues() throws {
        let spool = try ChangeSpool()
        let change = Change(
            kind: .changed, key: "k", hash: 5, traits: Self.encoded(["1"]), setTraits: [0], unsetTraits: [],
            old: Self.encoded(["2"]))
        try spool.append(change)
        var read: [Change] = []
        try spool.forEach { read.append($0) }
        #expect(read.map(\.old) == [Self.encoded(["2"])])
    }
}

import Foundation
import Testing

@testable import SyncCore

/// A result read without the key's text cast (`SQLDialect.orderedByKey(keyIsText: true)`): the key
/// is taken from its own column while that column is its own text; when it no longer is (its type
/// moved after the compile), the columns are refused before anything is read, so the same diff can
/// take the rows again with the cast column.
@Suite struct KeyReadAsIsTests {
    static let model = try! Model.parse(text: "-- key: id\nSELECT id, a FROM t", file: "models/m.sql")

    static func receiver(_ cursor: InMemorySnapshotCursor, _ spool: ChangeSpool) -> DiffReceiver {
        var receiver = DiffReceiver(
            model: model, cursor: cursor, previousTraitNames: ["a"], spool: spool, full: false,
            hashing: FNV1aHashing(), json: FoundationJSONCheck())
        receiver.readsKeyAsIs = true
        return receiver
    }

    static func feed(_ receiver: inout DiffReceiver, _ columns: [Column], _ lines: [String]) throws {
        let parser = PGCopyRowParser(types: columns.map(\.type), elements: columns.map { _ in nil })
        for line in lines {
            try Array(line.utf8).withUnsafeBufferPointer { buffer in
                try parser.split(buffer) { try receiver.row(raw: $0) }
            }
        }
        try receiver.finish()
    }

    @Test func aTextKeyIsReadFromItsOwnColumn() throws {
        let spool = try ChangeSpool()
        var receiver = Self.receiver(InMemorySnapshotCursor([]), spool)
        let columns = [Column(name: "a", type: .int), Column(name: "id", type: .text, textCastIsIdentity: true)]
        try receiver.columns(columns)
        try Self.feed(&receiver, columns, ["1\ta\\tb", "2\tk2"])
        var keys: [String] = []
        try spool.forEach { keys.append($0.key) }
        #expect(keys == ["a\tb", "k2"] && receiver.counts.added == 2)
    }

    @Test func aKeyThatIsNoLongerTextIsRefusedBeforeAnyRowAndReadAgainWithItsCast() throws {
        let snapshot = [(key: "k1", hash: UInt64(1), traits: EncodedTraits(bytes: []))]
        let cursor = InMemorySnapshotCursor(snapshot)
        let spool = try ChangeSpool()
        var receiver = Self.receiver(cursor, spool)
        let padded = [Column(name: "id", type: .text), Column(name: "a", type: .int)]
        #expect(throws: SyncError.self) { try receiver.columns(padded) }
        do {
            try receiver.columns(padded)
        } catch let error as SyncError {
            #expect(error.code == .keyTypeMoved && error.isTransient)
            #expect(error.description.contains("key column id changed type between the run's compile and its read"))
        }
        // The snapshot was not touched: the retry with the cast column diffs against all of it.
        receiver.readsKeyAsIs = false
        let cast = [Column(name: SQLText.keyTextColumn, type: .text)] + padded
        try receiver.columns(cast)
        try Self.feed(&receiver, cast, ["k2\tk2    \t2"])
        #expect(receiver.counts.added == 1 && receiver.counts.removed == 1)
    }
}

import Foundation
import Testing

@testable import SyncCore

/// A snapshot held in memory, in key byte order, for diffs without a store. With `defersTraits`,
/// like the PostgreSQL store's read: `traits()` has nothing, and `traits(of:)` answers only after
/// the last row, keeping the keys asked for.
final class InMemorySnapshotCursor: SnapshotCursor {
    private let rows: [(key: String, hash: UInt64, traits: EncodedTraits)]
    private var index = -1
    let defersTraits: Bool
    /// Each `traits(of:)` call's keys.
    private(set) var asked: [[String]] = []
    init(_ rows: [(key: String, hash: UInt64, traits: EncodedTraits)], defersTraits: Bool = false) {
        self.rows = rows.sorted { compareBytes(Array($0.key.utf8), Array($1.key.utf8)) < 0 }
        self.defersTraits = defersTraits
    }
    func next() throws -> Bool {
        index += 1
        return index < rows.count
    }
    var key: String { rows[index].key }
    var hash: UInt64 { rows[index].hash }
    func compareKey(to key: UnsafeRawBufferPointer) -> Int {
        Array(rows[index].key.utf8).withUnsafeBytes { compareBytes($0, key) }
    }
    func traits() -> EncodedTraits { defersTraits ? EncodedTraits(bytes: []) : rows[index].traits }
    func traits(of keys: [String]) throws -> [EncodedTraits?] {
        guard defersTraits, index >= rows.count else { throw StoreError("traits asked for during the read") }
        asked.append(keys)
        // By bytes, as a store compares keys: é and e + ◌́ are equal Strings, not equal keys.
        let byBytes = Dictionary(rows.map { (Array($0.key.utf8), $0.traits) }, uniquingKeysWith: { a, _ in a })
        return keys.map { byBytes[Array($0.utf8)] }
    }
    /// How many rereads were asked for.
    private(set) var rereads = 0
    func rereadWithTraits() throws -> any SnapshotCursor {
        guard defersTraits, index >= rows.count else { throw StoreError("a reread asked for during the read") }
        rereads += 1
        return InMemorySnapshotCursor(rows)
    }
    func close() {}
}

func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBytes { x in b.withUnsafeBytes { y in compareBytes(x, y) } }
}

/// The diff engine alone: no database, no store. Each case runs on every row path: decoded values
/// (SQLite, ODBC), raw COPY bytes (PostgreSQL), and raw bytes against a snapshot read whose traits
/// are deferred (the PostgreSQL store).
@Suite struct DiffEngineTests {
    enum Path: String, CaseIterable, CustomTestStringConvertible {
        /// Decoded values; raw COPY bytes; raw bytes against a snapshot read without its traits.
        case values, raw, rawDeferred
        var testDescription: String { rawValue }
    }

    struct Result {
        var counts: DiffCounts
        var changes: [Change]
        var samples: [SampleChange]
        var duplicates: Int
        var invalid: [InvalidRow]
        var snapshot: [(key: String, hash: UInt64, traits: EncodedTraits)]
        var traitNames: [String]
    }

    static func model(_ header: String = "") throws -> Model {
        try Model.parse(text: "-- key: id\n\(header)SELECT id, a, b FROM t", file: "models/m.sql")
    }

    /// Runs one diff of `rows` (key, a, b as COPY text fields; nil is NULL) against `snapshot`.
    static func diff(
        _ path: Path, _ model: Model, rows: [[String?]], snapshot: Result? = nil, full: Bool = false,
        columns: [String] = ["id", "a", "b"], types: [ValueType] = [.text, .int, .text]
    ) throws -> Result {
        let cursor = InMemorySnapshotCursor(snapshot?.snapshot ?? [], defersTraits: path == .rawDeferred)
        let spool = try ChangeSpool()
        var receiver = DiffReceiver(
            model: model, cursor: cursor, previousTraitNames: snapshot?.traitNames ?? [], spool: spool, full: full,
            hashing: FNV1aHashing(), json: FoundationJSONCheck())
        let allColumns =
            [Column(name: SQLText.keyTextColumn, type: .text)] + zip(columns, types).map { Column(name: $0, type: $1) }
        try receiver.columns(allColumns)
        let parser = PGCopyRowParser(types: allColumns.map(\.type), elements: allColumns.map { _ in nil })
        for row in rows {
            let fields = [row[0]] + row
            switch path {
            case .values:
                let values: [Value] = zip(fields, allColumns).map { field, column in
                    guard let field else { return .null }
                    return Array(field.utf8).withUnsafeBufferPointer { _ in
                        column.type == .int ? (Int64(field).map(Value.int) ?? .text(field)) : .text(field)
                    }
                }
                try receiver.row(values)
            case .raw, .rawDeferred:
                let line = Array(fields.map { $0 ?? "\\N" }.joined(separator: "\t").utf8)
                try line.withUnsafeBufferPointer { buffer in
                    try parser.split(buffer) { try receiver.row(raw: $0) }
                }
            }
        }
        try receiver.finish()
        var changes: [Change] = []
        try spool.forEach { changes.append($0) }
        // The next snapshot: the previous one with this run's changes applied.
        // By the keys' bytes, as a store: é and e + ◌́ are equal Strings, not equal keys.
        var next = Dictionary(uniqueKeysWithValues: (snapshot?.snapshot ?? []).map { (Array($0.key.utf8), $0) })
        for change in changes {
            switch change.kind {
            case .removed: next[Array(change.key.utf8)] = nil
            case .added, .changed: next[Array(change.key.utf8)] = (change.key, change.hash, change.traits)
            }
        }
        return Result(
            counts: receiver.counts, changes: changes, samples: receiver.samples, duplicates: receiver.duplicateKeys,
            invalid: receiver.invalidRows, snapshot: Array(next.values), traitNames: receiver.traitNames)
    }

    static let base: [[String?]] = [["k1", "1", "x"], ["k2", "2", "y"], ["k3", "3", "z"]]

    @Test(arguments: Path.allCases)
    func addedChangedRemovedAndUnchanged(path: Path) throws {
        let model = try Self.model("-- max_removed: 100%\n")
        let first = try Self.diff(path, model, rows: Self.base)
        #expect(first.counts.added == 3 && first.counts.traitsWritten == 6)
        let again = try Self.diff(path, model, rows: Self.base, snapshot: first)
        #expect(again.counts.unchanged == 3 && again.changes.isEmpty)
        let next = try Self.diff(
            path, model, rows: [["k1", "1", "x"], ["k2", "20", "y"], ["k4", "4", "w"]], snapshot: first)
        #expect(
            next.counts.added == 1 && next.counts.changed == 1 && next.counts.removed == 1 && next.counts.unchanged == 1
        )
        let changed = try #require(next.changes.first { $0.kind == .changed })
        #expect(changed.key == "k2" && changed.setTraits == [0])
        #expect(next.changes.first { $0.kind == .removed }?.unsetTraits == ["a", "b"])
    }

    @Test(arguments: Path.allCases)
    func duplicatesAreCountedNotWritten(path: Path) throws {
        let result = try Self.diff(
            path, try Self.model(), rows: [["k1", "1", "x"], ["k1", "2", "y"], ["k1", "3", "z"], ["k2", "1", "x"]])
        #expect(result.duplicates == 1)
    }

    @Test(arguments: Path.allCases)
    func nullAndBlankKeysAreInvalidAndNamed(path: Path) throws {
        let result = try Self.diff(
            path, try Self.model(), rows: [[nil, "1", "x"], ["", "2", "y"], [" ", "3", "z"], ["k", "4", "w"]])
        #expect(result.counts.invalid == 3 && result.counts.added == 1)
        #expect(result.invalid.map(\.reason) == ["the key is NULL", "the key is blank", "the key is blank"])
    }

    @Test(arguments: Path.allCases)
    func keysOutOfByteOrderFailTheRun(path: Path) throws {
        let error = #expect(throws: SyncError.self) {
            try Self.diff(path, try Self.model(), rows: [["k2", "1", "x"], ["k1", "2", "y"]])
        }
        #expect(error?.code == .keyOrder)
    }

    @Test(arguments: Path.allCases)
    func aSegmentWritesItsOwnTrue(path: Path) throws {
        let model = try Model.parse(text: "-- key: id\n-- kind: segment\nSELECT id FROM t", file: "models/vip.sql")
        let result = try Self.diff(path, model, rows: [["k1"], ["k2"]], columns: ["id"], types: [.text])
        #expect(result.traitNames == ["vip"])
        #expect(result.changes.map { $0.traits.traits(count: 1) } == [["true"], ["true"]])
    }

    @Test(arguments: Path.allCases)
    func aDroppedTraitIsUnsetOnEveryProfileAndFullResendsEverything(path: Path) throws {
        let model = try Self.model()
        let first = try Self.diff(path, model, rows: Self.base)
        let narrowed = try Model.parse(text: "-- key: id\n-- traits: a\nSELECT id, a, b FROM t", file: "models/m.sql")
        let dropped = try Self.diff(path, narrowed, rows: Self.base, snapshot: first)
        #expect(dropped.counts.changed == 3)
        #expect(dropped.changes.allSatisfy { $0.unsetTraits == ["b"] && $0.setTraits.isEmpty })
        let full = try Self.diff(path, model, rows: Self.base, snapshot: first, full: true)
        #expect(full.counts.traitsWritten == 6)
        #expect(full.changes.allSatisfy { $0.setTraits == [0, 1] })
    }

    @Test(arguments: Path.allCases)
    func samplesStopAtTen(path: Path) throws {
        let rows: [[String?]] = (0..<30).map { ["k\(String(format: "%02d", $0))", "\($0)", "v"] }
        let result = try Self.diff(path, try Self.model(), rows: rows)
        #expect(result.samples.count == 10)
        #expect(result.samples.first == SampleChange(key: "k00", trait: "a", old: nil, new: "0"))
    }

    /// Deferred, only the keys that changed or left are looked up, after the read, in batches (a few
    /// of them) or in one more pass over the snapshot (many); the changes, counts and samples are
    /// those of a read with the traits.
    @Test(arguments: [(keys: 40_000, changeEvery: 9, lookedUp: true), (keys: 2_000, changeEvery: 2, lookedUp: false)])
    func deferredTraitsAreReadOnlyForChangedAndRemovedKeys(keys count: Int, changeEvery: Int, lookedUp: Bool) throws {
        let model = try Self.model("-- max_removed: 100%\n")
        let keys = (0..<count).map { String(format: "k%05d", $0) }
        let first = try Self.diff(.raw, model, rows: keys.map { [$0, "1", "x"] })
        // Every changeEvery-th key changes, every 97th leaves, one is added at the end.
        let rows: [[String?]] =
            keys.enumerated().compactMap { i, key in
                i % 97 == 0 ? nil : [key, i % changeEvery == 0 ? "2" : "1", "x"]
            } + [["z", "9", "new"]]
        let cursor = InMemorySnapshotCursor(first.snapshot, defersTraits: true)
        let spool = try ChangeSpool()
        var receiver = DiffReceiver(
            model: model, cursor: cursor, previousTraitNames: first.traitNames, spool: spool, full: false,
            hashing: FNV1aHashing(), json: FoundationJSONCheck())
        let columns =
            [Column(name: SQLText.keyTextColumn, type: .text)]
            + ["id", "a", "b"].enumerated().map {
                Column(name: $1, type: $0 == 1 ? .int : .text)
            }
        try receiver.columns(columns)
        let parser = PGCopyRowParser(types: columns.map(\.type), elements: columns.map { _ in nil })
        for row in rows {
            let line = Array(([row[0]] + row).map { $0 ?? "\\N" }.joined(separator: "\t").utf8)
            try line.withUnsafeBufferPointer { buffer in try parser.split(buffer) { try receiver.row(raw: $0) } }
        }
        try receiver.finish()
        let withTraits = try Self.diff(.raw, model, rows: rows, snapshot: first)
        var changes: [Change] = []
        try spool.forEach { changes.append($0) }
        let needed = keys.enumerated().filter { i, _ in i % 97 == 0 || i % changeEvery == 0 }.map(\.element)
        if lookedUp {
            #expect(cursor.asked.flatMap { $0 } == needed && cursor.rereads == 0)
            #expect(cursor.asked.count == 2 && cursor.asked.allSatisfy { $0.count <= deferredTraitsBatch })
        } else {
            #expect(cursor.asked.isEmpty && cursor.rereads == 1)
        }
        #expect(receiver.counts == withTraits.counts)
        #expect(receiver.samples == withTraits.samples)
        #expect(changes.map(\.key) == withTraits.changes.map(\.key))
        #expect(changes.map(\.old.bytes) == withTraits.changes.map(\.old.bytes))
        #expect(changes.map(\.setTraits) == withTraits.changes.map(\.setTraits))
    }

    /// é and e + ◌́ are equal Strings but different keys: each change carries its own old value.
    @Test(arguments: Path.allCases)
    func canonicallyEquivalentKeysAreDifferentKeys(path: Path) throws {
        let model = try Self.model()
        let first = try Self.diff(path, model, rows: [["e\u{301}", "10", "x"], ["\u{E9}", "20", "x"]])
        let next = try Self.diff(
            path, model, rows: [["e\u{301}", "20", "x"], ["\u{E9}", "30", "x"]], snapshot: first)
        #expect(next.counts.changed == 2)
        #expect(next.changes.map { $0.old.traits(count: 2)[0] } == ["10", "20"])
    }

    @Test func bothPathsAgreeOnWhatChanged() throws {
        let model = try Self.model()
        let rows: [[String?]] = [["a", "1", "é x"], ["b", nil, "x"], ["c", "3", ""]]
        let values = try Self.diff(.values, model, rows: rows)
        let raw = try Self.diff(.raw, model, rows: rows)
        #expect(values.counts == raw.counts)
        // A decoded row compared against a snapshot the raw path wrote finds every trait equal.
        let crossed = try Self.diff(.values, model, rows: rows, snapshot: raw)
        #expect(crossed.counts.changed == 0)
    }
}

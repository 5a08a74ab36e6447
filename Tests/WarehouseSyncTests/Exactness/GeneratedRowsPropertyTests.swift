import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// A seeded generator, so a failing case can be replayed (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random rows of every supported type (NULL, empty, very long, non-ASCII, control characters and
/// extremes), synced into both stores: every stored `traits` is valid JSON, a rerun changes
/// nothing, and changing any one value is exactly one changed trait.
@Suite struct GeneratedRowsPropertyTests {
    enum Source: String, CaseIterable, CustomTestStringConvertible {
        case postgres, sqlite
        var testDescription: String { rawValue }
    }

    /// A column: its SQL type per source, and a generator of SQL literals (nil is NULL).
    struct Kind: Sendable {
        var postgres: String
        var sqlite: String
        var value: @Sendable (inout SeededRandom, Source) -> String?
    }

    static func text(_ r: inout SeededRandom) -> String {
        let pieces = [
            "", "a", "é", "漢字", "🙂", "\t", "\n", "\u{1}", "\"", "'", "\\", " ", "\u{7F}", "\u{2028}", "Z",
        ]
        switch Int.random(in: 0..<6, using: &r) {
        case 0: return ""
        case 1: return String(repeating: "long·", count: Int.random(in: 500...2000, using: &r))
        default: return (0..<Int.random(in: 1...12, using: &r)).map { _ in pieces.randomElement(using: &r)! }.joined()
        }
    }

    /// A text as a literal that survives any quoting: its UTF-8 bytes in hex, cast to text.
    static func literal(_ text: String, _ source: Source) -> String {
        let hex = text.utf8.map { String(format: "%02x", $0) }.joined()
        return source == .postgres ? "convert_from('\\x\(hex)'::bytea, 'UTF8')" : "CAST(X'\(hex)' AS TEXT)"
    }

    static let kinds: [Kind] = [
        Kind(postgres: "text", sqlite: "TEXT") { r, s in literal(text(&r), s) },
        Kind(postgres: "bigint", sqlite: "INTEGER") { r, _ in
            String(
                [Int64.min, Int64.max, 0, -1, Int64.random(in: -1_000_000...1_000_000, using: &r)].randomElement(
                    using: &r)!)
        },
        Kind(postgres: "float8", sqlite: "REAL") { r, s in
            let options =
                ["1e308", "-1e-308", "0.1", "-0.0", "123456.789", String(Double.random(in: -1e6...1e6, using: &r))]
                + (s == .postgres ? ["'NaN'", "'Infinity'", "'-Infinity'"] : ["9e999", "-9e999"])
            return options.randomElement(using: &r)!
        },
        Kind(postgres: "numeric", sqlite: "DECIMAL(40,10)") { r, s in
            let digits = ["0", "10.50", "-0.001", "99999999999999999999999999999.123456789", "1e-20"].randomElement(
                using: &r)!
            return s == .postgres ? digits : "'\(digits == "1e-20" ? "0.00000000000000000001" : digits)'"
        },
        Kind(postgres: "boolean", sqlite: "BOOLEAN") { r, s in
            let value = Bool.random(using: &r)
            return s == .postgres ? String(value) : (value ? "1" : "0")
        },
        Kind(postgres: "date", sqlite: "DATE") { r, _ in
            ["'2024-02-29'", "'1970-01-01'", "'9999-12-31'", "'0001-01-01'"].randomElement(using: &r)!
        },
        Kind(postgres: "timestamptz", sqlite: "TIMESTAMP") { r, _ in
            ["'2024-01-01 00:00:00.123456+00'", "'1999-12-31 23:59:59+00'", "'2024-06-30 12:00:00+00'"].randomElement(
                using: &r)!
        },
        Kind(postgres: "jsonb", sqlite: "JSON") { r, _ in
            [
                "'{\"a\":[1,2,{\"b\":null}]}'", "'\"str\\\\u00e9\"'", "'1e5'", "'[]'", "'{\"k\":\"\\\\n\"}'",
                "'12345678901234567890'",
            ]
            .randomElement(using: &r)!
        },
        Kind(postgres: "bytea", sqlite: "BLOB") { r, s in
            let bytes = (0..<Int.random(in: 0...40, using: &r)).map { _ in UInt8.random(in: 0...255, using: &r) }
            let hex = bytes.map { String(format: "%02x", $0) }.joined()
            return s == .postgres ? "'\\x\(hex)'::bytea" : "X'\(hex)'"
        },
    ]

    static func value(_ kind: Kind, _ r: inout SeededRandom, _ source: Source) -> String {
        Int.random(in: 0..<8, using: &r) == 0 ? "NULL" : (kind.value(&r, source) ?? "NULL")
    }

    static func storedTraits(_ f: SyncFixture) throws -> [String] {
        switch f.storeKind {
        case .sqlite:
            let db = try SQLiteSource(path: String(f.storeURL.dropFirst("sqlite:".count)))
            return try db.collect("SELECT traits FROM profiles").rows.map { row in
                if case .text(let text) = row[0] { return text }
                return ""
            }
        case .postgres:
            let pg = try PGConnection(conninfo: f.storeURL)
            let result = try pg.execute("SELECT traits::text FROM warehouse_sync.profiles")
            return (0..<result.rowCount).map { result.text($0, 0) ?? "" }
        }
    }

    @Test(arguments: Source.allCases, StoreKind.allCases)
    func generatedRowsStoreValidJSONRerunUnchangedAndOneChangeIsOneTrait(source: Source, store: StoreKind) throws {
        var random = SeededRandom(
            state: 0x5EED_0000 + UInt64(source == .postgres ? 1 : 2) * 16 + UInt64(store == .sqlite ? 1 : 2))
        let f = try SyncFixture(store: store, source: source == .postgres ? .postgres : .sqlite)
        let columns = Self.kinds.enumerated().map {
            "c\($0.offset) \(source == .postgres ? $0.element.postgres : $0.element.sqlite)"
        }
        try f.warehouse("CREATE TABLE g (id text, \(columns.joined(separator: ", ")))")
        let rowCount = 150
        var rows: [[String]] = []
        for index in 0..<rowCount {
            let values = Self.kinds.map { Self.value($0, &random, source) }
            rows.append(values)
            try f.warehouse("INSERT INTO g VALUES ('k\(index)', \(values.joined(separator: ", ")))")
        }
        try f.model("m", "-- key: id\n-- skip_unchanged: false\nSELECT * FROM g")
        let first = try f.sync("m")
        #expect(first.record.added == rowCount && first.record.invalid == 0, "\(first.invalidRows)")
        let validator = try JSONValidator()
        for traits in try Self.storedTraits(f) {
            #expect(validator.isStorable(traits), "invalid JSON in the store: \(traits)")
        }
        let rerun = try f.sync("m")
        #expect(rerun.record.unchanged == rowCount && rerun.record.changed == 0 && rerun.record.traitsWritten == 0)
        for _ in 0..<6 {
            let row = Int.random(in: 0..<rowCount, using: &random)
            let column = Int.random(in: 0..<Self.kinds.count, using: &random)
            let before = try f.traits("k\(row)")["c\(column)"]
            var replacement = Self.value(Self.kinds[column], &random, source)
            var attempts = 0
            // Draw until the new value differs from the old one in canonical form.
            while attempts < 50 {
                try f.warehouse("UPDATE g SET c\(column) = \(replacement) WHERE id = 'k\(row)'")
                let plan = try f.sync("m", SyncOptions(dryRun: true))
                if plan.record.changed > 0 { break }
                replacement = Self.value(Self.kinds[column], &random, source)
                attempts += 1
            }
            let changed = try f.sync("m")
            #expect(
                changed.record.changed == 1 && changed.record.traitsWritten == 1,
                "k\(row).c\(column): \(before ?? "∅") → \(replacement): \(changed.record.counts)")
            #expect(try f.traits("k\(row)")["c\(column)"] != before)
            #expect(try f.sync("m").record.changed == 0)
        }
        _ = rows
    }
}

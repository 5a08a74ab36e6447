import Foundation
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

@Suite struct CanonicalValueTests {
    @Test(arguments: [
        ("+007.500", "7.5"), ("-0.00", "0"), ("10.50", "10.5"), ("0.0001", "0.0001"), (".5", "0.5"), ("-12", "-12"),
        ("-0.5", "-0.5"), ("100", "100"), ("100.000", "100"), ("5.", "5"),
        ("1234567890123456789012345678.1234567890", "1234567890123456789012345678.123456789"),
    ])
    func decimalsNormalise(text: String, expected: String) {
        #expect(Value.decimal(text).canonicalJSON == expected)
    }

    @Test(arguments: ["NaN", "1e5", "", "-", "1.2.3", "12a"])
    func nonDecimalsStayStrings(text: String) {
        // Not a plain decimal: kept as a JSON string, exactly as sent.
        #expect(Value.decimal(text).canonicalJSON == "\"\(text)\"")
    }

    @Test func everyKindHasOneCanonicalForm() {
        #expect(Value.int(Int64.min).canonicalJSON == "-9223372036854775808")
        #expect(Value.int(Int64.max).canonicalJSON == "9223372036854775807")
        #expect(Value.int(0).canonicalJSON == "0")
        #expect(Value.double(2.0).canonicalJSON == "2")
        #expect(Value.double(0.1).canonicalJSON == "0.1")
        #expect(Value.double(.nan).canonicalJSON == "\"NaN\"")
        #expect(Value.double(-0.0).canonicalJSON == "-0")
        #expect(Value.double(0.0).canonicalJSON == "0")
        #expect(Value.text("a\"b\\c\n\u{1}").canonicalJSON == #""a\"b\\c\n\u0001""#)
        #expect(Value.timestampTZ("2024-03-30T23:30:00Z").canonicalJSON == "\"2024-03-30T23:30:00Z\"")
        #expect(Value.array([.int(1), .null, .text("x")]).canonicalJSON == "[1,null,\"x\"]")
        #expect(Value.bytes([0, 255]).canonicalJSON == "\"AP8=\"")
        #expect(Value.bool(true).canonicalJSON == "true")
        #expect(Value.null.canonicalJSON == "null")
    }

    @Test func theRowHashIsPinned() {
        // Snapshots store this hash: it must not change between versions or machines. The
        // expected value comes from Python's xxhash package (XXH3-64 of the length-prefixed
        // canonical values, seeded with XXH3-64 of the names joined by U+001F).
        var encoder = TraitEncoder()
        encoder.encode([Value.text("low"), .decimal("10.50"), .int(3)])
        #expect(
            RowHasher(traitNames: ["risk", "ltv", "n"], using: XXH3Hashing()).hash(encoder.buffer)
                == 0xb4e9_a5a7_2f31_f38e)
        #expect(encoder.encoded.traits(count: 3) == ["\"low\"", "10.5", "3"])
        #expect(
            RowHasher(traitNames: ["risk", "ltv", "n"], using: XXH3Hashing()).hash(encoder.buffer)
                != RowHasher(traitNames: ["risk", "ltv", "m"], using: XXH3Hashing()).hash(encoder.buffer))
    }

    @Test func unicodeEquivalentKeysAreDifferentKeys() throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('\u{E9}', 1), ('e\u{301}', 2)")
        try f.model("m", "-- key: id\nSELECT id, v FROM t")
        let run = try f.sync("m").record
        #expect(run.added == 2)
        #expect(try f.traits("\u{E9}") == ["v": "1"])
        #expect(try f.traits("e\u{301}") == ["v": "2"])
    }
}

import Testing

@testable import Connectors
@testable import Drivers
@testable import SyncCore

/// Text cells as PostgreSQL spells them in the pinned session settings.
@Suite struct TextCellDecoderTests {
    @Test func theTextOfTimesAndDatesIsISO8601WithAstronomicalYears() {
        func decode(_ text: String, _ type: ValueType) -> Value {
            Array(text.utf8).withUnsafeBufferPointer { TextCellDecoder.decode($0, as: type) }
        }
        #expect(decode("2024-01-31 10:00:00.5+00", .timestampTZ) == .timestampTZ("2024-01-31T10:00:00.5Z"))
        #expect(decode("0001-01-01 00:00:00+00 BC", .timestampTZ) == .timestampTZ("0000-01-01T00:00:00Z"))
        #expect(decode("0002-12-31 23:59:59+00 BC", .timestampTZ) == .timestampTZ("-0001-12-31T23:59:59Z"))
        #expect(decode("10000-01-01 00:00:00+00", .timestampTZ) == .timestampTZ("10000-01-01T00:00:00Z"))
        #expect(decode("4714-11-24 BC", .date) == .date("-4713-11-24"))
        #expect(decode("infinity", .timestampTZ) == .timestampTZ("infinity"))
        #expect(decode("-infinity", .date) == .date("-infinity"))
        #expect(decode("$1,234.50", .decimal) == .decimal("1234.50"))
        #expect(decode("-$92,233,720,368,547,758.08", .decimal) == .decimal("-92233720368547758.08"))
    }
}

@Suite struct DecoderEdgeTests {
    @Test func trueIsReadInEverySpellingDriversUse() {
        for text in ["t", "true", "1", "-1", "T", "Y"] {
            #expect(
                Array(text.utf8).withUnsafeBufferPointer { TextCellDecoder.decode($0, as: .bool) } == .bool(true),
                "\(text)")
        }
        for text in ["f", "false", "0", "N"] {
            #expect(
                Array(text.utf8).withUnsafeBufferPointer { TextCellDecoder.decode($0, as: .bool) } == .bool(false),
                "\(text)")
        }
    }

    @Test func doublesInExactColumnsAreWrittenOutPlainly() {
        #expect(TextCellDecoder.plainDecimal(1e20) == "100000000000000000000")
        #expect(TextCellDecoder.plainDecimal(1.5e-7) == "0.00000015")
        #expect(TextCellDecoder.plainDecimal(-1.2345678901234567e+19) == "-12345678901234567000")
        #expect(TextCellDecoder.plainDecimal(12.5) == "12.5")
        #expect(TextCellDecoder.plainDecimal(.infinity) == nil)
    }

    @Test func jsonIsValidatedStrictly() throws {
        let validator = try JSONValidator()
        #expect(validator.isStorable("{\"a\":[1,2,{\"b\":null}]}"))
        #expect(validator.isStorable("1e400"))
        #expect(validator.isStorable("\"\\\\u0000\""))
        #expect(!validator.isStorable("\u{FEFF}{\"a\":1}"))
        #expect(!validator.isStorable("[1,2,]"))
        #expect(!validator.isStorable(""))
        #expect(!validator.isStorable("not json"))
        #expect(!validator.isStorable("\"\\u0000\""))
    }
}

/// Turns the text form of one cell (PostgreSQL output, ODBC character data) into a `Value`,
/// reading the bytes directly.
///
/// The session runs with `DateStyle=ISO`, `TimeZone=UTC`, `bytea_output=hex` and
/// `extra_float_digits=1`, so every type has one spelling.
public enum TextCellDecoder {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, as type: ValueType, element: ValueType? = nil) -> Value {
        switch type {
        case .bool:
            return .bool(bytes.first.map { $0 == UInt8(ascii: "t") || $0 == UInt8(ascii: "1") || $0 == UInt8(ascii: "T") } ?? false)
        case .int:
            return parseInt(bytes).map(Value.int) ?? .decimal(string(bytes))
        case .double:
            return .double(parseDouble(bytes))
        case .decimal:
            return .decimal(string(bytes))
        case .date:
            return .date(string(bytes))
        case .timestamp:
            return .timestamp(isoTimestamp(bytes, utc: false))
        case .timestampTZ:
            return .timestampTZ(isoTimestamp(bytes, utc: true))
        case .json:
            return .json(string(bytes))
        case .bytes:
            return .bytes(parseHexBytea(bytes))
        case .array:
            return PGArrayParser.parse(bytes, element: element ?? .text)
        case .text, .unknown:
            return .text(string(bytes))
        }
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    static func parseInt(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var index = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        guard index < bytes.count else { return nil }
        var value: Int64 = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(Int64(digit))
                                      : times10.addingReportingOverflow(Int64(digit))
            if o1 || o2 { return nil }
            value = next
            index += 1
        }
        return value
    }

    static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>) -> Double {
        let text = string(bytes)
        switch text {
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        case "NaN": return .nan
        default: return Double(text) ?? .nan
        }
    }

    /// `2024-01-31 10:00:00.5+00` → `2024-01-31T10:00:00.5Z` (the session's TimeZone is UTC).
    static func isoTimestamp(_ bytes: UnsafeBufferPointer<UInt8>, utc: Bool) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + 1)
        var end = bytes.count
        if utc {
            // Strip the "+00" (or "+00:00") offset the UTC session always prints.
            if end >= 3, bytes[end - 3] == UInt8(ascii: "+") || bytes[end - 3] == UInt8(ascii: "-") { end -= 3 }
            else if end >= 6, bytes[end - 6] == UInt8(ascii: "+") { end -= 6 }
        }
        for i in 0..<end { out.append(bytes[i] == UInt8(ascii: " ") && i == 10 ? UInt8(ascii: "T") : bytes[i]) }
        if utc && out.first.map({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) == true {
            out.append(UInt8(ascii: "Z"))
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func parseHexBytea(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x") else { return Array(bytes) }
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return c &- UInt8(ascii: "A") &+ 10
            }
        }
        var out = [UInt8]()
        out.reserveCapacity((bytes.count - 2) / 2)
        var i = 2
        while i + 1 < bytes.count {
            out.append(nibble(bytes[i]) << 4 | nibble(bytes[i + 1]))
            i += 2
        }
        return out
    }
}

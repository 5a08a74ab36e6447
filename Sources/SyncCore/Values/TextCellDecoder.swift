/// Turns the text form of one cell (PostgreSQL output, ODBC character data) into a `Value`,
/// reading the bytes directly.
///
/// The session pins every setting that changes a value's spelling (`PostgresDialect.outputSettings`:
/// `DateStyle=ISO`, `TimeZone=UTC`, `IntervalStyle=postgres`, `lc_monetary=C`, `bytea_output=hex`,
/// `extra_float_digits=1`), so every value has one spelling, whatever the server's configuration.
public enum TextCellDecoder {
    package static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, as type: ValueType, element: ArrayElement? = nil
    )
        -> Value
    {
        switch type {
        case .bool:
            // PostgreSQL's t/f, ODBC's 1/0, and -1 for true from drivers set to TrueIsMinus1.
            let first = bytes.first ?? 0
            return .bool(
                first == UInt8(ascii: "t") || first == UInt8(ascii: "T") || first == UInt8(ascii: "1")
                    || first == UInt8(ascii: "y") || first == UInt8(ascii: "Y")
                    || (bytes.count == 2 && first == UInt8(ascii: "-") && bytes[1] == UInt8(ascii: "1")))
        case .int:
            return parseInt(bytes).map(Value.int) ?? .decimal(string(bytes))
        case .double:
            // psqlodbc reports money as a float, in lc_monetary's spelling: read it exactly.
            return bytes.contains(UInt8(ascii: "$")) ? money(bytes) : .double(parseDouble(bytes))
        case .decimal:
            return bytes.contains(UInt8(ascii: "$")) ? money(bytes) : .decimal(string(bytes))
        case .date:
            return .date(isoTimestamp(bytes, utc: false))
        case .timestamp:
            return .timestamp(isoTimestamp(bytes, utc: false))
        case .timestampTZ:
            return .timestampTZ(isoTimestamp(bytes, utc: true))
        case .json:
            return .json(string(bytes))
        case .bytes:
            return .bytes(parseHexBytea(bytes))
        case .array:
            return PGArrayParser.parse(bytes, element: element ?? ArrayElement(.text))
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
            let (next, o2) =
                negative
                ? times10.subtractingReportingOverflow(Int64(digit))
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

    /// `1e+20`, `1.5e-07`: a double's shortest text, written out as a plain decimal (`100000000000000000000`,
    /// `0.00000015`), so an exact column that a source stored as a double keeps one form.
    public static func plainDecimal(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        let text = "\(value)"
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }),
            let exponent = Int(text[text.index(after: e)...])
        else {
            return text
        }
        var mantissa = String(text[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        let point = parts[0].count + exponent
        var out: String
        if point <= 0 {
            out = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            out = digits + String(repeating: "0", count: point - digits.count)
        } else {
            out = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        }
        return (negative ? "-" : "") + out
    }

    /// `money` in the session's `lc_monetary=C` (`$1,234.50`, `-$0.99`) as an exact decimal.
    static func money(_ bytes: UnsafeBufferPointer<UInt8>) -> Value {
        let digits = bytes.filter { $0 != UInt8(ascii: "$") && $0 != UInt8(ascii: ",") }
        let body = digits.first == UInt8(ascii: "-") ? digits.dropFirst() : digits[...]
        let plain =
            !body.isEmpty && body.filter { $0 == UInt8(ascii: ".") }.count <= 1
            && body.allSatisfy { $0 == UInt8(ascii: ".") || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
        return plain ? .decimal(String(decoding: digits, as: UTF8.self)) : .text(string(bytes))
    }

    /// ISO 8601 for a date or timestamp in DateStyle ISO: `2024-01-31 10:00:00.5+00` →
    /// `2024-01-31T10:00:00.5Z` (the session's TimeZone is UTC). Years before 1 (PostgreSQL's
    /// `0044-03-15 BC`) become ISO's astronomical years (`-0043-03-15`), so BC never equals AD;
    /// `infinity` and `-infinity` stay as they are.
    static func isoTimestamp(_ bytes: UnsafeBufferPointer<UInt8>, utc: Bool) -> String {
        var end = bytes.count
        let bc =
            end >= 3 && bytes[end - 3] == UInt8(ascii: " ") && bytes[end - 2] == UInt8(ascii: "B")
            && bytes[end - 1] == UInt8(ascii: "C")
        if bc { end -= 3 }
        if utc {
            // Strip the "+00" (or "+00:00") offset the UTC session always prints.
            if end >= 6, bytes[end - 6] == UInt8(ascii: "+") || bytes[end - 6] == UInt8(ascii: "-"),
                bytes[end - 3] == UInt8(ascii: ":")
            {
                end -= 6
            } else if end >= 3, bytes[end - 3] == UInt8(ascii: "+") || bytes[end - 3] == UInt8(ascii: "-") {
                end -= 3
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(end + 2)
        var yearEnd = 0
        while yearEnd < end, bytes[yearEnd] >= UInt8(ascii: "0"), bytes[yearEnd] <= UInt8(ascii: "9") { yearEnd += 1 }
        var start = 0
        if bc, yearEnd > 0,
            let year = Int(String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<yearEnd]), as: UTF8.self))
        {
            let astronomical = 1 - year
            let digits = String(abs(astronomical))
            if astronomical < 0 { out.append(UInt8(ascii: "-")) }
            out += Array(repeating: UInt8(ascii: "0"), count: max(0, 4 - digits.count)) + Array(digits.utf8)
            start = yearEnd
        }
        var separated = false
        for i in start..<end {
            if bytes[i] == UInt8(ascii: " ") && !separated {
                out.append(UInt8(ascii: "T"))
                separated = true
            } else {
                out.append(bytes[i])
            }
        }
        if utc && yearEnd > 0 { out.append(UInt8(ascii: "Z")) }
        return String(decoding: out, as: UTF8.self)
    }

    static func parseHexBytea(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x") else {
            return Array(bytes)
        }
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

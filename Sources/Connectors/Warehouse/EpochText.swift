import SyncCore

/// Epoch spellings of the warehouses' HTTP APIs (Snowflake's SQL API; BigQuery's microsecond
/// timestamps) as ISO 8601 text, without Foundation's calendar (no time zone, no locale, any year): days
/// since 1970-01-01, and seconds since the epoch or midnight with up to nine decimals. Fractions keep
/// their digits without trailing zeros, as the other sources spell them.
enum EpochText {
    /// An instant as whole seconds (floored) and nanoseconds in 0..<1e9.
    struct Seconds: Equatable {
        var whole: Int64
        var nanos: Int64
    }

    /// `1616173619.123000000` or `-1.5` as seconds; nil for text that is no such number.
    static func seconds(_ text: String) -> Seconds? {
        var digits = Substring(text)
        let negative = digits.hasPrefix("-")
        if negative { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0]), whole <= 1 << 40 else { return nil }
        var fraction = parts.count == 2 ? String(parts[1].prefix(9)) : ""
        guard fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber) else { return nil }
        fraction += String(repeating: "0", count: 9 - fraction.count)
        let nanos = Int64(fraction) ?? 0
        if !negative { return Seconds(whole: whole, nanos: nanos) }
        return nanos == 0 ? Seconds(whole: -whole, nanos: 0) : Seconds(whole: -whole - 1, nanos: 1_000_000_000 - nanos)
    }

    /// `YYYY-MM-DD` of `days` since 1970-01-01 (proleptic Gregorian; years before 1 as ISO's
    /// astronomical years, `-0043`).
    static func date(days: Int64) -> String {
        let date = CivilDate(daysSinceEpoch: Int(days))
        let year = pad(Int64(abs(date.year)), 4)
        return (date.year < 0 ? "-" : "") + year + "-" + pad(Int64(date.month), 2) + "-" + pad(Int64(date.day), 2)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction]` of an instant in UTC.
    static func timestamp(_ seconds: Seconds) -> String {
        let days = seconds.whole >= 0 ? seconds.whole / 86_400 : (seconds.whole - 86_399) / 86_400
        let rest = Seconds(whole: seconds.whole - days * 86_400, nanos: seconds.nanos)
        return date(days: days) + "T" + time(rest)
    }

    /// `HH:MM:SS[.fraction]` of seconds since midnight.
    static func time(_ seconds: Seconds) -> String {
        let s = seconds.whole
        var text = pad(s / 3600, 2) + ":" + pad(s / 60 % 60, 2) + ":" + pad(s % 60, 2)
        if seconds.nanos > 0 {
            var fraction = pad(seconds.nanos, 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text
    }

    /// A cell already in ISO form (`2024-01-02 03:04:05.123`, `2024-01-02T03:04:05`, with `Z` or
    /// `+00:00` at most) without its offset and with `T`; nil for anything else.
    static func isoText(_ text: String) -> String? {
        var body = Substring(text)
        if body.hasSuffix("Z") { body = body.dropLast() } else if body.hasSuffix("+00:00") { body = body.dropLast(6) }
        let bytes = Array(body.utf8)
        guard bytes.count >= 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            !body.dropFirst(19).contains(where: { $0 == "+" || $0 == "-" })
        else { return nil }
        return body.prefix(10) + "T" + body.dropFirst(11)
    }

    /// `ABCD` (or `abcd`) as bytes; nil for an odd length or a non-hex digit.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

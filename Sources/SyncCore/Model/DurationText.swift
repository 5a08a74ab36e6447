/// Durations as users write them: `90s`, `15m`, `2h`, `1h30m`, `1d`.
package enum DurationText {
    /// The longest duration accepted: a timeout or an interval of more than a year is a typo,
    /// and arithmetic on larger ones (milliseconds, dates) could overflow.
    static let maximumSeconds: Int64 = 366 * 86400
    static let limitHint = "write a duration such as 30s, 15m, 1h30m or 2d, at most 366d"

    /// The duration, or nil when `text` is not one or is longer than `maximumSeconds`.
    package static func parse(_ text: String) -> Duration? {
        var total: Int64 = 0
        var number: Int64?
        var sawUnit = false
        for c in text.trimmingCharacters(in: .whitespaces) {
            if c.isASCII, let digit = c.wholeNumberValue {
                let (times10, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.addingReportingOverflow(Int64(digit))
                if o1 || o2 { return nil }
                number = next
                continue
            }
            guard let n = number else { return nil }
            let unit: Int64
            switch c {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86400
            default: return nil
            }
            let (product, o1) = n.multipliedReportingOverflow(by: unit)
            let (sum, o2) = total.addingReportingOverflow(product)
            if o1 || o2 || sum > maximumSeconds { return nil }
            total = sum
            number = nil
            sawUnit = true
        }
        guard number == nil, sawUnit, total > 0 else { return nil }
        return .seconds(total)
    }

    /// `90s` → `1m30s`.
    package static func format(_ duration: Duration) -> String {
        var seconds = duration.components.seconds
        var out = ""
        for (unit, name) in [(Int64(86400), "d"), (3600, "h"), (60, "m")] where seconds >= unit {
            out += "\(seconds / unit)\(name)"
            seconds %= unit
        }
        if seconds > 0 || out.isEmpty { out += "\(seconds)s" }
        return out
    }
}

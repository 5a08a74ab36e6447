import Foundation

/// ISO-8601 instants in UTC, `2024-03-31T01:00:00Z`.
public func formatInstant(_ date: Date) -> String {
    // The calendar fields straight from the C library: a formatter object per call costs more
    // than a profile's whole read (the HTTP API formats an instant per trait).
    // Rounded to the millisecond first, as Foundation's formatter (and so `--json`) does.
    var seconds = time_t(floor((date.timeIntervalSince1970 * 1000).rounded() / 1000))
    var fields = tm()
    gmtime_r(&seconds, &fields)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    let year = Int(fields.tm_year) + 1900
    let yearText =
        year >= 0 && year < 10000 ? String(repeating: "0", count: 4 - "\(year)".count) + "\(year)" : "\(year)"
    return "\(yearText)-\(two(fields.tm_mon + 1))-\(two(fields.tm_mday))T\(two(fields.tm_hour)):\(two(fields.tm_min)):"
        + "\(two(fields.tm_sec))Z"
}

/// An instant as the wall clock of `zone` shows it, with the offset: `2024-03-31T03:00:00+02:00`
/// (`Z` in UTC), so a time read in a model's timezone is never taken for UTC.
public func formatInstant(_ date: Date, in zone: TimeZone) -> String {
    let offset = zone.secondsFromGMT(for: date)
    guard offset != 0 else { return formatInstant(date) }
    let local = formatInstant(date.addingTimeInterval(TimeInterval(offset))).dropLast()
    let minutes = abs(offset) / 60
    return local + (offset < 0 ? "-" : "+") + String(format: "%02d:%02d", minutes / 60, minutes % 60)
}

/// Reads an instant as users write one: `2024-03-31T01:00:00Z`, with an offset (`+02:00`),
/// with fractional seconds, or a date alone (`2024-03-31`, midnight UTC); nil otherwise.
public func parseInstant(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    for options: ISO8601DateFormatter.Options in [
        [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
        [.withFullDate, .withDashSeparatorInDate],
    ] {
        formatter.formatOptions = options
        if let date = formatter.date(from: text) { return date }
    }
    return nil
}

extension TimeZone {
    /// The zone's IANA name as users write it: Foundation on Linux names UTC "GMT".
    public var displayName: String { identifier == "GMT" ? "UTC" : identifier }
}

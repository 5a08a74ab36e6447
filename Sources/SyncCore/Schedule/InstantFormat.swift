import Foundation

/// ISO-8601 instants in UTC, `2024-03-31T01:00:00Z`.
public func formatInstant(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: date)
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

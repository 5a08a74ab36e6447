import Foundation

/// ISO-8601 instants in UTC, `2024-03-31T01:00:00Z`.
public func formatInstant(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: date)
}

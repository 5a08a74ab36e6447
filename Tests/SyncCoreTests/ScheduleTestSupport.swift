import Foundation

@testable import SyncCore

let utc = TimeZone(identifier: "UTC")!
let berlin = TimeZone(identifier: "Europe/Berlin")!
let newYork = TimeZone(identifier: "America/New_York")!

/// `2024-03-31T01:00:00Z` as a Date.
func instant(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    return formatter.date(from: text)!
}

func iso(_ date: Date?) -> String {
    guard let date else { return "never" }
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: date)
}

/// The next `count` fire times after `start`, as ISO-8601 UTC strings.
func fires(_ schedule: String, tz: TimeZone = utc, after start: String, count: Int) throws -> [String] {
    let parsed = try Schedule(parsing: schedule)
    var out: [String] = []
    var t = instant(start)
    for _ in 0..<count {
        guard let next = parsed.nextFire(after: t, in: tz) else { break }
        out.append(iso(next))
        t = next
    }
    return out
}

/// How many times a schedule fires in [start, end).
func fireCount(_ schedule: String, tz: TimeZone, from start: String, to end: String) throws -> Int {
    let parsed = try Schedule(parsing: schedule)
    var t = instant(start).addingTimeInterval(-1)
    let stop = instant(end)
    var count = 0
    while let next = parsed.nextFire(after: t, in: tz), next < stop {
        count += 1
        t = next
    }
    return count
}

import Foundation

let utc = TimeZone(identifier: "UTC")!

/// `2024-03-31T01:00:00Z` as a Date.
func instant(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

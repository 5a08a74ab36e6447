import Foundation

/// When to try a destination again after a failed request (docs/destinations.md): jittered exponential backoff,
/// `base` (1 s by default) doubling up to 5 min, ±20%; a `Retry-After` the destination sent wins
/// when it is later.
package enum RetryPolicy {
    package static let cap: TimeInterval = 300

    /// The delay before the next try after `failures` failed requests in a row (1 for the first).
    /// - Parameter jitter: a number in 0..<1 (random in production; fixed in tests).
    package static func delay(failures: Int, retryAfter: TimeInterval?, jitter: Double, base: TimeInterval = 1)
        -> TimeInterval
    {
        let exponential = min(cap, base * pow(2, Double(max(failures, 1) - 1)))
        let jittered = exponential * (0.8 + 0.4 * jitter)
        return max(jittered, min(retryAfter ?? 0, 3600))
    }

    /// A `Retry-After` header's delay: delta-seconds or an HTTP-date (RFC 9110 10.2.3); nil when
    /// absent or unreadable.
    package static func retryAfter(_ value: String?, now: Date) -> TimeInterval? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return TimeInterval(max(seconds, 0)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        // IMF-fixdate, RFC 850 and asctime, the three forms RFC 9110 5.6.7 says to accept.
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return max(date.timeIntervalSince(now), 0) }
        }
        return nil
    }
}

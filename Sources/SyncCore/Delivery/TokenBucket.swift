import Foundation

/// A request rate limit: `rate` tokens a second, a burst of one second's worth (SPEC 8). Pure: the
/// caller passes the time and sleeps for what `take` returns.
package struct TokenBucket: Sendable {
    package let rate: Double
    private var tokens: Double
    private var last: Date?

    package init(ratePerSecond: Int) {
        rate = Double(max(ratePerSecond, 1))
        tokens = rate
    }

    /// Takes one token at `now`: how long to wait first (zero when one is there).
    package mutating func take(now: Date) -> TimeInterval {
        if let last { tokens = min(rate, tokens + now.timeIntervalSince(last) * rate) }
        last = now
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / rate
    }
}

/// When to try a destination again after a failed request (SPEC 8): jittered exponential backoff,
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

/// What a destination's answer means for the changes in the request (SPEC 8).
package enum DeliveryVerdict: Equatable, Sendable {
    /// 2xx: delivered.
    case delivered
    /// A timeout, a connection error, a redirect, 408, 429 or 5xx: try again later.
    case retry(retryAfter: TimeInterval?)
    /// Another 4xx: a record in the batch was rejected.
    case rejected

    /// Classifies an HTTP status; nil for a request that got no answer (always retried).
    package init(status: Int?, retryAfter: TimeInterval?) {
        guard let status else {
            self = .retry(retryAfter: nil)
            return
        }
        switch status {
        case 200..<300: self = .delivered
        // A redirect is the destination's url gone wrong, not a bad record: retried, never dead-lettered.
        case 300..<400, 408, 429, 500...: self = .retry(retryAfter: retryAfter)
        default: self = .rejected
        }
    }
}

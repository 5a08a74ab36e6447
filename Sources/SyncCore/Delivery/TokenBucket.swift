import Foundation

/// A request rate limit: `rate` tokens a second, a burst of one second's worth (docs/destinations.md). Pure: the
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

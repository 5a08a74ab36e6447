import Foundation

/// What a destination's answer means for the changes in the request (docs/destinations.md).
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

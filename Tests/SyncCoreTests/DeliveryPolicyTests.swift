import Foundation
import Testing

@testable import SyncCore

/// The pure parts of delivery: the rate limit, the backoff, and what an answer means.
@Suite struct DeliveryPolicyTests {
    @Test func theTokenBucketAllowsABurstOfOneSecondThenTheRate() {
        var bucket = TokenBucket(ratePerSecond: 4)
        let start = Date(timeIntervalSince1970: 1000)
        let waits = (0..<6).map { _ in bucket.take(now: start) }
        #expect(waits[0..<4].allSatisfy { $0 == 0 })
        #expect(abs(waits[4] - 0.25) < 1e-9 && abs(waits[5] - 0.5) < 1e-9)
        var later = TokenBucket(ratePerSecond: 4)
        for _ in 0..<4 { _ = later.take(now: start) }
        #expect(later.take(now: start.addingTimeInterval(1)) == 0, "a second refills it")
    }

    @Test(arguments: [(1, 0.0, 0.8), (1, 0.999, 1.2), (3, 0.5, 4.0), (20, 0.5, 300.0)])
    func backoffDoublesWithJitterUpToFiveMinutes(failures: Int, jitter: Double, expected: Double) {
        #expect(abs(RetryPolicy.delay(failures: failures, retryAfter: nil, jitter: jitter) - expected) < 0.01)
    }

    @Test func retryAfterWinsWhenLaterAndReadsBothForms() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryPolicy.delay(failures: 1, retryAfter: 30, jitter: 0.5) == 30)
        #expect(RetryPolicy.retryAfter("120", now: now) == 120)
        #expect(RetryPolicy.retryAfter("Tue, 14 Nov 2023 22:14:20 GMT", now: now) == 60)
        #expect(RetryPolicy.retryAfter("Tuesday, 14-Nov-23 22:14:20 GMT", now: now) == 60)
        #expect(RetryPolicy.retryAfter("Tue Nov 14 22:14:20 2023", now: now) == 60)
        #expect(RetryPolicy.retryAfter("soon", now: now) == nil)
        #expect(RetryPolicy.retryAfter(nil, now: now) == nil)
    }

    @Test(arguments: [
        (200, DeliveryVerdict.delivered), (204, .delivered), (408, .retry(retryAfter: nil)),
        (429, .retry(retryAfter: nil)), (500, .retry(retryAfter: nil)), (503, .retry(retryAfter: nil)),
        (400, .rejected), (413, .rejected), (301, .retry(retryAfter: nil)), (302, .retry(retryAfter: nil)),
    ])
    func answersAreClassified(status: Int, verdict: DeliveryVerdict) {
        #expect(DeliveryVerdict(status: status, retryAfter: nil) == verdict)
    }

    @Test func noAnswerIsRetried() {
        #expect(DeliveryVerdict(status: nil, retryAfter: nil) == .retry(retryAfter: nil))
    }
}

import Foundation
import Synchronization
import Testing

@testable import Drivers
@testable import SyncCore

/// 429 and 5xx sent again with bounded, growing waits that honour Retry-After.
@Suite struct HTTPRetryTests {
    @Test func delaysDoubleHonourRetryAfterAndStopAtTheLastAttempt() {
        let retry = HTTPRetry(attempts: 3, base: .milliseconds(500), maxDelay: .seconds(10))
        #expect(retry.delay(after: 1, retryAfter: nil, jitter: 0.5) == .milliseconds(500))
        #expect(retry.delay(after: 2, retryAfter: nil, jitter: 0.5) == .seconds(1))
        #expect(retry.delay(after: 2, retryAfter: "4", jitter: 0.5) == .seconds(4))
        #expect(retry.delay(after: 2, retryAfter: "3600", jitter: 0.5) == .seconds(10))
        #expect(retry.delay(after: 3, retryAfter: nil, jitter: 0.5) == nil)
        #expect(HTTPRetry.isRetryable(status: 429) && HTTPRetry.isRetryable(status: 503))
        #expect(!HTTPRetry.isRetryable(status: 422) && !HTTPRetry.isRetryable(status: 408))
    }

    @Test func aBusyServerIsAskedAgainUntilItAnswers() throws {
        let count = Mutex(0)
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            let n = count.withLock {
                $0 += 1
                return $0
            }
            return n < 3
                ? HTTPResponse(
                    status: n == 1 ? 429 : 503, contentType: "text/plain", body: [], headers: [("Retry-After", "0")])
                : HTTPResponse(status: 200, contentType: "application/json", body: Array("{}".utf8))
        }
        defer { server.stop() }
        let retry = HTTPRetry(attempts: 4, base: .milliseconds(10))
        let response = try retry.send(
            HTTPClientRequest(url: URL(string: "http://127.0.0.1:\(server.port)/x")!), with: HTTPClient())
        #expect(response.status == 200)
        #expect(count.withLock { $0 } == 3)
    }

    @Test func theLastBusyAnswerIsReturnedWhenAttemptsRunOut() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            HTTPResponse(status: 503, contentType: "text/plain", body: Array("busy".utf8))
        }
        defer { server.stop() }
        let response = try HTTPRetry(attempts: 2, base: .milliseconds(10)).send(
            HTTPClientRequest(url: URL(string: "http://127.0.0.1:\(server.port)/x")!), with: HTTPClient())
        #expect(response.status == 503 && response.body == Data("busy".utf8))
    }
}

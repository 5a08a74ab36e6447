import Foundation
import SyncCore
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// POSTs JSON through Foundation's URLSession (on Linux, FoundationNetworking over libcurl): TLS
/// verification on, redirects not followed, one request at a time, blocking the calling thread
/// (a delivery thread, never the cooperative pool).
final class HTTPClient: Sendable {
    /// A destination's answer, or why there was none.
    enum Outcome: Sendable {
        case response(status: Int, retryAfter: String?, body: Data)
        /// A timeout, a refused or dropped connection, a TLS failure: no answer.
        case failure(String)
    }

    private let session: URLSession
    private let exchange = Exchange()
    /// The most of an answer's body kept (dead letters show its first 1 KB); the rest is not read.
    static let bodyLimit = 1024

    init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration, delegate: exchange, delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    /// Sends `body` to `url`; `headers` are added as given (they may hold secrets: nothing here logs them).
    func post(_ url: URL, headers: [(String, String)], body: Data, timeout: Duration) -> Outcome {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.timeoutInterval = max(Double(timeout.components.seconds), 1)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("warehouse-sync", forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request)
        exchange.begin(task.taskIdentifier) { done.signal() }
        task.resume()
        // URLSession enforces the timeout; this only guards against a callback that never comes.
        if done.wait(timeout: .now() + request.timeoutInterval + 5) == .timedOut {
            task.cancel()
            _ = exchange.end(task.taskIdentifier)
            return .failure("timed out after \(Int(request.timeoutInterval))s")
        }
        let state = exchange.end(task.taskIdentifier)
        if let status = state.status {
            return .response(status: status, retryAfter: state.retryAfter, body: state.body)
        }
        return .failure(state.error.map(Self.describe) ?? "no response")
    }

    /// A transport error in words, without the URL's query or any header.
    private static func describe(_ error: URLError) -> String {
        switch error.code {
        case .timedOut: "timed out"
        case .cannotConnectToHost: "connection refused"
        case .networkConnectionLost: "connection dropped"
        case .cannotFindHost, .dnsLookupFailed: "host not found"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            "TLS verification failed"
        // FoundationNetworking on Linux reports a failed TLS handshake (an untrusted certificate) as unknown.
        case .unknown: "no answer: the connection or its TLS handshake failed (for https, check the certificate)"
        default: "request failed (URLError \(error.code.rawValue))"
        }
    }
}

/// The delegate of the client's session: it keeps each answer's status, `Retry-After` and the first
/// `bodyLimit` bytes of its body, then stops reading (a receiver answering with hundreds of MB costs
/// nothing), and never follows a redirect (a POST's destination that answers 3xx is misconfigured).
private final class Exchange: NSObject, URLSessionDataDelegate, Sendable {
    struct State {
        var status: Int?
        var retryAfter: String?
        var body = Data()
        var error: URLError?
        var finished: (@Sendable () -> Void)?
    }

    private let states = Mutex<[Int: State]>([:])

    func begin(_ task: Int, finished: @escaping @Sendable () -> Void) {
        states.withLock { $0[task] = State(finished: finished) }
    }

    func end(_ task: Int) -> State { states.withLock { $0.removeValue(forKey: task) } ?? State() }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        if let response = response as? HTTPURLResponse {
            states.withLock {
                $0[dataTask.taskIdentifier]?.status = response.statusCode
                $0[dataTask.taskIdentifier]?.retryAfter = response.value(forHTTPHeaderField: "Retry-After")
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let full = states.withLock { states -> Bool in
            guard var state = states[dataTask.taskIdentifier] else { return true }
            state.body.append(data.prefix(HTTPClient.bodyLimit - state.body.count))
            states[dataTask.taskIdentifier] = state
            return state.body.count >= HTTPClient.bodyLimit
        }
        if full { dataTask.cancel() }  // the status and the first KB are all that is kept
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let finished = states.withLock { states -> (@Sendable () -> Void)? in
            if let error = error as? URLError, states[task.taskIdentifier]?.status == nil {
                states[task.taskIdentifier]?.error = error
            }
            return states[task.taskIdentifier]?.finished
        }
        finished?()
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

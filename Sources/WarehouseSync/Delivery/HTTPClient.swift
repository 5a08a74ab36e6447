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

    init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
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
        let result = LockedResult()
        let task = session.dataTask(with: request) { data, response, error in
            if let response = response as? HTTPURLResponse {
                result.set(
                    .response(
                        status: response.statusCode, retryAfter: response.value(forHTTPHeaderField: "Retry-After"),
                        body: data ?? Data()))
            } else {
                let reason = (error as? URLError).map(Self.describe) ?? "no response"
                result.set(.failure(reason))
            }
            done.signal()
        }
        task.resume()
        // URLSession enforces the timeout; this only guards against a callback that never comes.
        if done.wait(timeout: .now() + request.timeoutInterval + 5) == .timedOut {
            task.cancel()
            return .failure("timed out after \(Int(request.timeoutInterval))s")
        }
        return result.get() ?? .failure("no response")
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

/// A POST is never redirected: a destination that answers 3xx is misconfigured.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// Written once by URLSession's callback, read after the semaphore.
private final class LockedResult: Sendable {
    private let value = Mutex<HTTPClient.Outcome?>(nil)
    func set(_ outcome: HTTPClient.Outcome) { value.withLock { $0 = outcome } }
    func get() -> HTTPClient.Outcome? { value.withLock { $0 } }
}

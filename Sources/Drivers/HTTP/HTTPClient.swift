import Foundation
import SyncCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends requests through Foundation's URLSession (on Linux, FoundationNetworking over libcurl): TLS
/// verification on, no cookies or cache, redirects not followed, blocking the calling thread (a
/// delivery or query thread, never the cooperative pool). Safe to share between threads.
public final class HTTPClient: Sendable {
    /// A destination's answer, or why there was none.
    public enum Outcome: Sendable {
        case response(status: Int, retryAfter: String?, body: Data)
        /// A timeout, a refused or dropped connection, a TLS failure: no answer.
        case failure(String)
    }

    private let session: URLSession
    private let exchange = HTTPExchange()
    /// The most of a destination's answer kept by `post` (dead letters show its first 1 KB).
    public static let bodyLimit = 1024

    /// A client with an ephemeral session of its own (no cookies, no cache).
    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration, delegate: exchange, delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    /// Sends `request` to a URL `HTTPURLPolicy` allows and waits for its answer; any status is an
    /// answer (the caller judges it). `cancellation` firing cancels the request in flight.
    /// - Throws: `HTTPClientError`: `.insecureURL`, `.timedOut` (after `request.timeout`),
    ///   `.cancelled`, `.transport`.
    public func send(_ request: HTTPClientRequest, cancellation: CancellationToken? = nil) throws(HTTPClientError)
        -> HTTPClientResponse
    {
        try HTTPURLPolicy.check(request.url)
        if cancellation?.isCancelled == true { throw HTTPClientError(.cancelled, "the request was cancelled") }
        return try perform(request, cancellation: cancellation)
    }

    /// Sends `body` to a destination's `url`; `headers` are added as given (they may hold secrets:
    /// nothing here logs them). Keeps the first `bodyLimit` bytes of the answer.
    public func post(_ url: URL, headers: [(String, String)], body: Data, timeout: Duration) -> Outcome {
        let request = HTTPClientRequest(
            method: "POST", url: url, headers: [("Content-Type", "application/json")] + headers, body: body,
            timeout: timeout, bodyLimit: Self.bodyLimit)
        do {
            let response = try perform(request, cancellation: nil)
            return .response(status: response.status, retryAfter: response.header("Retry-After"), body: response.body)
        } catch {
            return .failure(error.message)
        }
    }

    private func perform(_ request: HTTPClientRequest, cancellation: CancellationToken?) throws(HTTPClientError)
        -> HTTPClientResponse
    {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        let seconds = max(Double(request.timeout.milliseconds) / 1000, 1)
        urlRequest.timeoutInterval = seconds
        urlRequest.setValue("warehouse-sync", forHTTPHeaderField: "User-Agent")
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: urlRequest)
        exchange.begin(task.taskIdentifier, bodyLimit: request.bodyLimit) { done.signal() }
        cancellation?.onCancel { task.cancel() }
        defer { cancellation?.clearHandler() }
        task.resume()
        // URLSession enforces the timeout; this only guards against a callback that never comes.
        if done.wait(timeout: .now() + seconds + 5) == .timedOut {
            task.cancel()
            _ = exchange.end(task.taskIdentifier)
            throw HTTPClientError(.timedOut, "\(Self.place(request.url)) timed out after \(Int(seconds))s")
        }
        let state = exchange.end(task.taskIdentifier)
        if cancellation?.isCancelled == true { throw HTTPClientError(.cancelled, "the request was cancelled") }
        if let status = state.status {
            return HTTPClientResponse(status: status, headers: state.headers, body: state.body)
        }
        throw Self.error(state.error, url: request.url, seconds: seconds)
    }

    /// The host and path of `url`, never its query (which may carry a token).
    static func place(_ url: URL) -> String { (url.host ?? "") + url.path }

    /// A transport error in words, without the URL's query or any header.
    private static func error(_ error: URLError?, url: URL, seconds: Double) -> HTTPClientError {
        guard let error else { return HTTPClientError(.transport, "no response") }
        switch error.code {
        case .timedOut: return HTTPClientError(.timedOut, "timed out after \(Int(seconds))s")
        case .cancelled: return HTTPClientError(.cancelled, "the request was cancelled")
        case .cannotConnectToHost: return HTTPClientError(.transport, "connection refused")
        case .networkConnectionLost: return HTTPClientError(.transport, "connection dropped")
        case .cannotFindHost, .dnsLookupFailed: return HTTPClientError(.transport, "host not found")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return HTTPClientError(.transport, "TLS verification failed")
        // FoundationNetworking on Linux reports a failed TLS handshake (an untrusted certificate) as unknown.
        case .unknown:
            return HTTPClientError(
                .transport, "no answer: the connection or its TLS handshake failed (for https, check the certificate)")
        default: return HTTPClientError(.transport, "request failed (URLError \(error.code.rawValue))")
        }
    }
}

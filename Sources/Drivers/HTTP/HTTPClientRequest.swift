import Foundation

/// One request `HTTPClient.send` makes: the method, the URL, the headers as given (they may hold a
/// bearer token: nothing in the client logs or echoes them), an optional body and how long to wait.
public struct HTTPClientRequest: Sendable {
    /// `GET` or `POST` (any method URLSession accepts).
    public var method: String
    /// Where to send it: `https://`, or `http://` to a loopback host (`HTTPURLPolicy`).
    public var url: URL
    /// Header names and values, sent as given; `User-Agent` defaults to `warehouse-sync`.
    public var headers: [(String, String)]
    /// The bytes sent as the body; nil sends none.
    public var body: Data?
    /// The longest wait for the whole answer; at least 1 s.
    public var timeout: Duration
    /// The most of the answer's body kept, in bytes; the rest is not read. Nil keeps it all.
    public var bodyLimit: Int?

    /// A request; by default a GET with a 60 s timeout that keeps the whole answer.
    public init(
        method: String = "GET", url: URL, headers: [(String, String)] = [], body: Data? = nil,
        timeout: Duration = .seconds(60), bodyLimit: Int? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.bodyLimit = bodyLimit
    }

    /// A POST of `json` (encoded with sorted keys) with `Content-Type` and `Accept` set to JSON.
    /// - Throws: `EncodingError` when `json` cannot be encoded.
    public static func postJSON(
        _ url: URL, json: some Encodable, headers: [(String, String)] = [], timeout: Duration = .seconds(60)
    ) throws -> HTTPClientRequest {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return HTTPClientRequest(
            method: "POST", url: url,
            headers: [("Content-Type", "application/json"), ("Accept", "application/json")] + headers,
            body: try encoder.encode(json), timeout: timeout)
    }
}

extension HTTPClientRequest {
    /// `base` with `path` appended (its segments percent-encoded) and `query`'s pairs as the query
    /// string, in order.
    public static func url(_ base: URL, path: String, query: [(String, String)] = []) -> URL {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)
        if !query.isEmpty { components?.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        return components?.url ?? base
    }
}

/// An answer: its status, its headers (names lower-cased) and its body (cut at the request's `bodyLimit`).
public struct HTTPClientResponse: Sendable {
    /// The HTTP status code, e.g. 200.
    public var status: Int
    /// Header values by lower-cased name.
    public var headers: [String: String]
    /// The answer's bytes, decompressed where the server sent `Content-Encoding: gzip`.
    public var body: Data

    /// An answer with `status`, `headers` (lower-case names) and `body`.
    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of header `name`, in any case; nil when absent.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }
}

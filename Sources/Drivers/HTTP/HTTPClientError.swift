import SyncCore

/// Why `HTTPClient.send` has no answer. `description` names the host and path at most: never a
/// header, a body or a query string.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as an opaque code so cases can be added later.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The URL is not `https://`, nor `http://` to a loopback host.
        public static let insecureURL = Code(name: "insecure URL")
        /// No answer within the request's timeout.
        public static let timedOut = Code(name: "timed out")
        /// The request was cancelled through its `CancellationToken`.
        public static let cancelled = Code(name: "cancelled")
        /// Refused, dropped, no such host, a failed TLS handshake.
        public static let transport = Code(name: "transport")
        public var description: String { name }
    }

    public var code: Code
    /// What happened, in words safe to log.
    public var message: String

    /// An error with `code` and `message` (which must hold no header, body or query string).
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Whether the same request may succeed later: a timeout or a transport failure, not a bad URL
    /// or a cancel.
    public var isTransient: Bool { code == .timedOut || code == .transport }

    public var description: String { message }
}

extension HTTPClientError: ReportedError {
    public var errorCode: String { ErrorCodes.code("http", code.name) }
    public var hint: String? { nil }
}

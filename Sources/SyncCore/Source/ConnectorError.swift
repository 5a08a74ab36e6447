/// An error from a warehouse or its driver.
///
/// `description` never holds a connection string or password: messages built here use only
/// what the server or driver said, and connection strings are never part of them.
public struct ConnectorError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as an opaque code so cases can be added later.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let connectionFailed = Code(name: "connection failed")
        public static let connectionLost = Code(name: "connection lost")
        public static let query = Code(name: "query failed")
        public static let timeout = Code(name: "timed out")
        public static let cancelled = Code(name: "cancelled")
        public static let unsupported = Code(name: "unsupported")
        public static let protocolViolation = Code(name: "protocol violation")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    /// 1-based character position in the query, where the server reported one.
    public var position: Int?
    /// The driver's native error number (ODBC), where there is one.
    public var nativeError: Int?

    public init(
        _ code: Code, _ message: String, sqlState: String? = nil, detail: String? = nil,
        hint: String? = nil, position: Int? = nil, nativeError: Int? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.position = position
        self.nativeError = nativeError
    }

    /// Whether retrying the same query later may succeed: lost connections, servers shutting
    /// down or restarting, serialization failures, deadlocks and timeouts. SQL errors,
    /// permissions and bad data are permanent.
    public var isTransient: Bool {
        switch code {
        case .connectionLost, .timeout: return true
        case .cancelled, .unsupported, .protocolViolation: return false
        default: break
        }
        guard let state = sqlState else { return code == .connectionFailed }
        if state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") { return true }
        if state == "40001" || state == "40P01" || state == "57014" || state == "HYT00" || state == "HYT01" {
            return true
        }
        return code == .connectionFailed && !state.hasPrefix("28")
    }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let position { text += " at character \(position)" }
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        return text
    }
}

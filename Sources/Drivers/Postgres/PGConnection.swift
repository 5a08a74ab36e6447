import CLibPQ
import Foundation
import SyncCore

/// One libpq connection. Owns its `PGconn` and frees it in `deinit`; used by one thread at a time.
public final class PGConnection {
    package let handle: OpaquePointer
    /// Kept so that an error message can never echo it back.
    private let password: String?

    /// Connects from a `postgres://` URL or a `key=value` conninfo string.
    /// - Parameters:
    ///   - conninfo: URL or conninfo; libpq's own PGPASSWORD and ~/.pgpass apply when no password is given.
    ///   - password: the password from the config, overriding any in `conninfo`.
    ///   - applicationName: shown in `pg_stat_activity` until a query sets its own tag.
    /// - Throws: `ConnectorError` with code `.connectionFailed`; its text never holds the password.
    public init(conninfo: String, password: String? = nil, applicationName: String = "warehouse-sync") throws {
        // A URL's password never reaches libpq's URL parser, whose errors echo what they cannot
        // read; it goes as a parameter of its own, percent-decoded where it is validly encoded.
        var conninfo = conninfo
        var password = password
        if let url = ConnectionSecrets.urlPassword(conninfo) {
            conninfo = url.withoutPassword
            password = password ?? PercentEncoding.decode(url.raw) ?? url.raw
        }
        // Defaults first: the expanded conninfo and the explicit password override them.
        var pairs: [(String, String)] = [
            ("connect_timeout", "10"), ("application_name", applicationName),
            ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"),
            ("keepalives_count", "3"), ("client_encoding", "UTF8"),
            ("dbname", conninfo),
        ]
        if let password { pairs.append(("password", password)) }
        let conn = withCStrings(pairs.map(\.0)) { keys in
            withCStrings(pairs.map(\.1)) { values in PQconnectdbParams(keys, values, 1) }
        }
        guard let conn else { throw ConnectorError(.connectionFailed, "out of memory while connecting to PostgreSQL") }
        self.password = password
        if PQstatus(conn) != CONNECTION_OK {
            let message = Self.redact(String(cString: PQerrorMessage(conn)), password: password)
            PQfinish(conn)  // libpq wants this even for a failed connection
            throw ConnectorError(
                .connectionFailed, "could not connect to PostgreSQL: \(message)",
                sqlState: Self.guessConnectState(message))
        }
        self.handle = conn
        // Server notices (e.g. "schema already exists, skipping") must not reach stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// What libpq finds wrong in `conninfo` without connecting (an invalid port, an unknown
    /// option, bad percent-encoding), or nil. The URL's password is taken out first, so the message
    /// cannot hold it.
    public static func conninfoProblem(_ conninfo: String) -> String? {
        let text = ConnectionSecrets.urlPassword(conninfo)?.withoutPassword ?? conninfo
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &error) else {
            defer { if let error { PQfreemem(error) } }
            return error.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "out of memory"
        }
        defer { PQconninfoFree(options) }
        var index = 0
        while let keyword = options[index].keyword {
            let allowed: [String: Set<String>] = [
                "sslmode": ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
                "gssencmode": ["disable", "prefer", "require"],
            ]
            if let values = allowed[String(cString: keyword)], let value = options[index].val,
                !values.contains(String(cString: value))
            {
                return "invalid \(String(cString: keyword)) value: \"\(String(cString: value))\""
            }
            if String(cString: keyword) == "port", let value = options[index].val {
                for port in String(cString: value).split(separator: ",") where !(UInt16(port).map { $0 > 0 } ?? false) {
                    return "invalid port number: \"\(port)\""
                }
            }
            index += 1
        }
        return nil
    }

    /// The server's major version times 10000 plus minor, e.g. 150018.
    public var serverVersion: Int { Int(PQserverVersion(handle)) }
    /// The database this connection is to.
    public var databaseName: String { PQdb(handle).map { String(cString: $0) } ?? "" }
    /// The server's host (or socket directory) and port.
    public var hostName: String {
        let host = PQhost(handle).map { String(cString: $0) } ?? ""
        let port = PQport(handle).map { String(cString: $0) } ?? ""
        return port.isEmpty ? host : "\(host):\(port)"
    }

    package var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// Runs one or more statements without parameters and checks they succeeded.
    @discardableResult
    public func execute(_ sql: String) throws -> PGResult {
        try check(PQexec(handle, sql))
    }

    /// Runs one statement with text parameters (`$1`, `$2`, ...); nil is SQL NULL.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?]) throws -> PGResult {
        let result = withOptionalCStrings(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try check(result)
    }

    /// Quotes `text` as an SQL string literal for this connection.
    public func literal(_ text: String) -> String {
        guard let escaped = PQescapeLiteral(handle, text, text.utf8.count) else { return "''" }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    /// A handle another thread may use to cancel the statement in flight.
    package func cancelHandle() -> PGCancelHandle? {
        PQgetCancel(handle).map(PGCancelHandle.init)
    }

    package func check(_ result: OpaquePointer?) throws -> PGResult {
        guard let result else { throw error(nil) }
        let status = PQresultStatus(result)
        guard
            status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_OUT
                || status == PGRES_COPY_IN || status == PGRES_SINGLE_TUPLE
        else {
            defer { PQclear(result) }
            throw error(result)
        }
        return PGResult(result)
    }

    /// The error a failed result (or, without one, the connection) describes.
    package func error(_ result: OpaquePointer?, cancelled: Bool = false) -> ConnectorError {
        func field(_ code: Int32) -> String? {
            guard let result, let text = PQresultErrorField(result, code) else { return nil }
            return Self.redact(String(cString: text), password: password)
        }
        let message =
            field(Int32(UInt8(ascii: "M")))
            ?? Self.redact(String(cString: PQerrorMessage(handle)), password: password)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let state = field(Int32(UInt8(ascii: "C")))
        var code = ConnectorError.Code.query
        if state == "57014" {
            code = cancelled ? .cancelled : .timeout
        } else if isBroken || state?.hasPrefix("08") == true || state?.hasPrefix("57P") == true {
            code = .connectionLost
        }
        let fallback =
            result.map { "unexpected result \(String(cString: PQresStatus(PQresultStatus($0))))" }
            ?? "PostgreSQL connection failed"
        return ConnectorError(
            code, message.isEmpty ? fallback : message,
            sqlState: state ?? (isBroken ? "08006" : nil),
            detail: field(Int32(UInt8(ascii: "D"))), hint: field(Int32(UInt8(ascii: "H"))),
            position: field(Int32(UInt8(ascii: "P"))).flatMap { Int($0) })
    }

    static func redact(_ message: String, password: String?) -> String {
        var text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if let password, !password.isEmpty { text = text.replacingOccurrences(of: password, with: "•••") }
        return text
    }

    private static func guessConnectState(_ message: String) -> String {
        if message.contains("password authentication failed") || message.contains("no password supplied") {
            return "28P01"
        }
        if message.contains("does not exist") { return "3D000" }
        if message.contains("invalid") || message.contains("missing") { return "08P01" }
        return "08001"
    }
}

@available(*, unavailable)
extension PGConnection: Sendable {}

/// `PGcancel` is safe to use from any thread (libpq's documentation); it never changes after creation.
package final class PGCancelHandle: @unchecked Sendable {
    private let cancel: OpaquePointer
    init(_ cancel: OpaquePointer) { self.cancel = cancel }
    deinit { PQfreeCancel(cancel) }

    package func send() {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &buffer, Int32(buffer.count))
    }
}

/// A finished libpq result; frees it in `deinit`.
public final class PGResult {
    let handle: OpaquePointer
    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { PQclear(handle) }

    public var rowCount: Int { Int(PQntuples(handle)) }
    public var columnCount: Int { Int(PQnfields(handle)) }
    /// Rows affected by an INSERT, UPDATE or DELETE.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// The text of a cell, nil for NULL.
    public func text(_ row: Int, _ column: Int) -> String? {
        guard row < rowCount, column < columnCount else { return nil }
        if PQgetisnull(handle, Int32(row), Int32(column)) != 0 { return nil }
        return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    package func columnName(_ column: Int) -> String { String(cString: PQfname(handle, Int32(column))) }
    package func columnOID(_ column: Int) -> UInt32 { PQftype(handle, Int32(column)) }
    /// The column's type modifier (`numeric(12,2)`, `char(8)`), -1 when it has none.
    package func columnModifier(_ column: Int) -> Int32 { PQfmod(handle, Int32(column)) }
}

@available(*, unavailable)
extension PGResult: Sendable {}

func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    pointers.append(nil)
    return body(pointers.map { UnsafePointer($0) })
}

func withOptionalCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
    defer { pointers.forEach { free($0) } }
    return body(pointers.map { UnsafePointer($0) })
}

import CMicroHTTPD
import Foundation
import SyncCore
import Synchronization

/// A request as the server hands it to its handler: the method, the path (percent-decoded by
/// libmicrohttpd), the query arguments, the headers and cookies asked for, and the body.
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    /// Header names in lowercase.
    public var headers: [String: String]
    public var cookies: [String: String]
    public var body: [UInt8]
    /// The body went past the server's limit: `body` is empty and the rest was read and dropped.
    public var bodyTooLarge: Bool

    public init(
        method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
        cookies: [String: String] = [:], body: [UInt8] = [], bodyTooLarge: Bool = false
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.cookies = cookies
        self.body = body
        self.bodyTooLarge = bodyTooLarge
    }
}

/// What the handler answers.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var headers: [(String, String)]

    public init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }
}

/// An HTTP/1.1 server on GNU libmicrohttpd: its own thread pool polls the sockets (epoll) and
/// calls `handler` on those threads, never on Swift's cooperative pool, so a handler may block
/// (read the store). Bodies past `maxBody` bytes are read and dropped and the request is marked
/// `bodyTooLarge`; connections past `connectionLimit` are refused by libmicrohttpd.
public final class HTTPServer: Sendable {
    /// The address and port it listens on; the port is the bound one when 0 was asked for.
    public let host: String
    public let port: UInt16
    private let daemon: Mutex<OpaquePointer?>
    private let context: Unmanaged<ServerContext>

    /// Starts listening on `host` (an IPv4 or IPv6 literal) and `port` (0: any free port).
    /// `preflight` sees each request's headers before its body is read: an answer it gives is sent
    /// at once and the body is not read (an unauthorized or oversized upload). A
    /// connection idle for `idleTimeout` seconds is closed: half-sent requests (a slow or hostile
    /// client) hold a slot at most that long, and stopping waits at most that long for them.
    /// - Throws: `HTTPServerError` when the address does not parse or the socket cannot be bound.
    public init(
        host: String, port: UInt16, maxBody: Int = 64 << 10, connectionLimit: Int = 256, threads: Int = 4,
        idleTimeout: Int = 5, preflight: @escaping @Sendable (HTTPRequest) -> HTTPResponse? = { _ in nil },
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse
    ) throws {
        let context = Unmanaged.passRetained(
            ServerContext(maxBody: maxBody, preflight: preflight, handler: handler))
        guard let (storage, ipv6) = Self.address(host, port: port) else {
            context.release()
            throw HTTPServerError("cannot listen on \(host): not an IPv4 or IPv6 address (write 127.0.0.1 or ::1)")
        }
        var address = storage
        let started = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                ws_mhd_start(
                    address, ipv6 ? 1 : 0, UInt32(threads), UInt32(connectionLimit), UInt32(idleTimeout),
                    accessHandler, context.toOpaque(), completedHandler)
            }
        }
        guard let started else {
            context.release()
            throw HTTPServerError(
                "cannot listen on \(host):\(port): \(String(cString: strerror(errno))) (is another process using "
                    + "the port?)")
        }
        self.host = host
        self.port = ws_mhd_port(started)
        self.daemon = Mutex(started)
        self.context = context
    }

    /// Stops listening and waits for the handler threads to end; stopping twice does nothing.
    public func stop() {
        let stopped = daemon.withLock { daemon -> Bool in
            guard let running = daemon else { return false }
            MHD_stop_daemon(running)
            daemon = nil
            return true
        }
        if stopped { context.release() }
    }

    deinit { stop() }

    /// `host` and `port` as a socket address, and whether it is IPv6; nil when `host` is no IP literal.
    private static func address(_ host: String, port: UInt16) -> (sockaddr_storage, Bool)? {
        var storage = sockaddr_storage()
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            withUnsafeBytes(of: &v4) { bytes in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) } }
            return (storage, false)
        }
        guard inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 else { return nil }
        v6.sin6_family = sa_family_t(AF_INET6)
        v6.sin6_port = port.bigEndian
        withUnsafeBytes(of: &v6) { bytes in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) } }
        return (storage, true)
    }
}

/// Why the server could not start.
public struct HTTPServerError: ReportedError, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
    public var errorCode: String { "server.listen_failed" }
    public var message: String { description }
    public var hint: String? { nil }
    /// The address may be free later.
    public var isTransient: Bool { true }
}

/// What the C callbacks reach through their `cls` pointer.
private final class ServerContext: Sendable {
    let maxBody: Int
    let preflight: @Sendable (HTTPRequest) -> HTTPResponse?
    let handler: @Sendable (HTTPRequest) -> HTTPResponse
    init(
        maxBody: Int, preflight: @escaping @Sendable (HTTPRequest) -> HTTPResponse?,
        handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse
    ) {
        self.maxBody = maxBody
        self.preflight = preflight
        self.handler = handler
    }
}

/// One request's body as it arrives; owned by libmicrohttpd's connection through `req_cls` until
/// the completed callback releases it. One connection thread touches it at a time.
private final class RequestState {
    var body: [UInt8] = []
    var tooLarge = false
}

private let accessHandler: MHD_AccessHandlerCallback = {
    cls, connection, url, method, _, uploadData, uploadSize, requestContext in
    guard let cls, let connection, let requestContext, let uploadSize else { return .NO }
    let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    guard let stored = requestContext.pointee else {
        // The first call has only the headers: answer now if the preflight refuses the request
        // (the body is then never read), else make the body's state and wait for the body.
        requestContext.pointee = Unmanaged.passRetained(RequestState()).toOpaque()
        if let early = context.preflight(request(connection, url, method, body: [], tooLarge: false)) {
            return respond(connection, early)
        }
        return .YES
    }
    let state = Unmanaged<RequestState>.fromOpaque(stored).takeUnretainedValue()
    if uploadSize.pointee > 0 {
        if let uploadData, !state.tooLarge {
            if state.body.count + uploadSize.pointee > context.maxBody {
                state.tooLarge = true
                state.body = []
            } else {
                uploadData.withMemoryRebound(to: UInt8.self, capacity: uploadSize.pointee) {
                    state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: uploadSize.pointee))
                }
            }
        }
        uploadSize.pointee = 0  // consumed (or dropped)
        return .YES
    }
    let response = context.handler(request(connection, url, method, body: state.body, tooLarge: state.tooLarge))
    return respond(connection, response)
}

private func request(
    _ connection: OpaquePointer, _ url: UnsafePointer<CChar>?, _ method: UnsafePointer<CChar>?, body: [UInt8],
    tooLarge: Bool
) -> HTTPRequest {
    HTTPRequest(
        method: method.map { String(cString: $0) } ?? "GET", path: url.map { String(cString: $0) } ?? "/",
        query: values(connection, .GET_ARGUMENT_KIND, lowercased: false),
        headers: values(connection, .HEADER_KIND, lowercased: true),
        cookies: values(connection, .COOKIE_KIND, lowercased: false), body: body, bodyTooLarge: tooLarge)
}

private let completedHandler: MHD_RequestCompletedCallback = { _, _, requestContext, _ in
    guard let requestContext, let stored = requestContext.pointee else { return }
    Unmanaged<RequestState>.fromOpaque(stored).release()
    requestContext.pointee = nil
}

/// Every value of one kind (headers, query arguments, cookies) of the connection's request. A
/// repeated header's values are combined, comma-separated (RFC 9110 section 5.3), so that two
/// `Content-Type` or `Host` headers read as neither; of a repeated query argument the first wins.
private func values(_ connection: OpaquePointer, _ kind: MHD_ValueKind, lowercased: Bool) -> [String: String] {
    final class Box {
        var values: [String: String] = [:]
        let lowercased: Bool
        init(lowercased: Bool) { self.lowercased = lowercased }
    }
    let box = Box(lowercased: lowercased)
    withExtendedLifetime(box) {
        _ = MHD_get_connection_values(
            connection, kind,
            { cls, _, key, value in
                guard let cls, let key else { return .YES }
                let box = Unmanaged<Box>.fromOpaque(cls).takeUnretainedValue()
                let name = String(cString: key)
                // The first of a repeated name wins, as a query string's reader usually expects.
                let stored = box.lowercased ? name.lowercased() : name
                let text = value.map { String(cString: $0) } ?? ""
                if let first = box.values[stored] {
                    if box.lowercased { box.values[stored] = first + ", " + text }
                } else {
                    box.values[stored] = text
                }
                return .YES
            }, Unmanaged.passUnretained(box).toOpaque())
    }
    return box.values
}

private func respond(_ connection: OpaquePointer, _ response: HTTPResponse) -> MHD_Result {
    let made = response.body.withUnsafeBytes { bytes in
        MHD_create_response_from_buffer(
            bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_MUST_COPY)
    }
    guard let made else { return .NO }
    defer { MHD_destroy_response(made) }
    MHD_add_response_header(made, "Content-Type", response.contentType)
    for (name, value) in response.headers { MHD_add_response_header(made, name, value) }
    return MHD_queue_response(connection, UInt32(response.status), made)
}

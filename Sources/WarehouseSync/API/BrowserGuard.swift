import Drivers
import Foundation

/// Refuses what a web page on another site could make a browser send to `serve`, with or without
/// a token (docs/http-api.md, "Browsers"):
/// - a `Host` that is not this server's: the listen address, a loopback name, `public_url`'s host,
///   or, when listening on every interface, an IP literal or this machine's name. A page that
///   rebinds its own name to 127.0.0.1 sends its own name, so it cannot read the API.
/// - a state-changing request (anything but GET and HEAD) whose `Content-Type` is not
///   `application/json`, or whose `Origin` or `Sec-Fetch-Site` is another site's. A page can send
///   JSON only after a CORS preflight, which the API never answers with an allow.
/// Source: OWASP's CSRF prevention cheat sheet (Origin and Fetch Metadata checks) and RFC 9110
/// section 7.2 (Host).
struct BrowserGuard: Sendable {
    /// Host names and addresses (lowercase, IPv6 without brackets) that always name this server.
    private let hosts: Set<String>
    /// Listening on 0.0.0.0 or `::`: the machine's own addresses and name reach it too.
    private let listensEverywhere: Bool
    /// `public_url`'s origin (`https://sync.example.com`), when set.
    private let publicOrigin: String?

    init(server: ServerConfig?) {
        var hosts: Set<String> = ["localhost", "localhost.", "127.0.0.1", "::1"]
        var origin: String?
        if let server {
            hosts.insert(server.host.lowercased())
            if let text = server.publicURL, let url = URL(string: text), let host = url.host?.lowercased() {
                hosts.insert(Self.bare(host))
                origin = "\(url.scheme?.lowercased() ?? "https")://\(host)" + (url.port.map { ":\($0)" } ?? "")
            }
        }
        listensEverywhere = server.map { $0.host == "0.0.0.0" || $0.host == "::" } ?? false
        if listensEverywhere {
            var name = [CChar](repeating: 0, count: 256)
            if gethostname(&name, name.count - 1) == 0 {
                let text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                hosts.insert(text.lowercased())
            }
        }
        self.hosts = hosts
        publicOrigin = origin
    }

    /// The status and message of a refusal, or nil when the request may go on.
    func refusal(_ request: HTTPRequest) -> (status: Int, message: String)? {
        if let host = request.headers["host"], !allows(host: host) {
            return (
                421,
                "this server does not answer for the host \(Self.printable(host)); use its listen address or "
                    + "127.0.0.1, or set [server] public_url to the address it is reached by"
            )
        }
        guard request.method != "GET" && request.method != "HEAD" else { return nil }
        if let origin = request.headers["origin"], !allows(origin: origin, host: request.headers["host"]) {
            return (403, "a request from the page \(Self.printable(origin)) may not change anything here")
        }
        if let site = request.headers["sec-fetch-site"]?.lowercased(), site != "same-origin" && site != "none" {
            return (
                403, "a request from another site (Sec-Fetch-Site: \(Self.printable(site))) may not change anything"
            )
        }
        // Of the methods a page may send without a preflight only POST changes anything here.
        guard ["POST", "PUT", "PATCH"].contains(request.method) else { return nil }
        let mediaType = request.headers["content-type"]?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard mediaType == "application/json" else {
            return (415, "send Content-Type: application/json (with a JSON body, or {} for the defaults)")
        }
        return nil
    }

    private func allows(host header: String) -> Bool {
        let host = Self.hostName(header)
        if hosts.contains(host) || host.hasPrefix("127.") && Self.isIPAddress(host) { return true }
        return listensEverywhere && Self.isIPAddress(host)
    }

    /// Same origin as the request's own host, or `public_url`'s origin.
    private func allows(origin: String, host: String?) -> Bool {
        let origin = origin.lowercased()
        if origin == publicOrigin { return true }
        guard let host = host?.lowercased(), let url = URL(string: origin), let scheme = url.scheme else {
            return false
        }
        return ["http", "https"].contains(scheme) && origin == "\(scheme)://\(host)"
    }

    /// The host of a `Host` header: lowercase, without its port, an IPv6 literal without brackets.
    static func hostName(_ header: String) -> String {
        let text = header.trimmingCharacters(in: .whitespaces).lowercased()
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            // Only a port may follow the brackets: `[::1]evil.example` names no host of ours.
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isNumber)) else { return text }
            return String(text[text.index(after: text.startIndex)..<close])
        }
        if let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon { return String(text[..<colon]) }
        return text
    }

    private static func bare(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    private static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// A header value as it may be echoed: at most 100 printable ASCII characters.
    private static func printable(_ text: String) -> String {
        String(
            text.unicodeScalars.prefix(100).map {
                $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?"
            })
    }
}

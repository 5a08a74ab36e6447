import Foundation
import SyncCore

/// `[server]`: the HTTP API and dashboard that `serve` runs (docs/http-api.md).
public struct ServerConfig: Sendable {
    /// An IPv4 or IPv6 literal (`localhost` reads as 127.0.0.1).
    public var host: String
    /// 0 asks for any free port (tests); `serve` logs the port it got.
    public var port: UInt16
    /// `Authorization: Bearer TOKEN`; required unless `host` is a loopback address.
    public var token: Secret?
    /// The dashboard's address as others reach it (alerts link to it).
    public var publicURL: String?
    /// Open connections at once; libmicrohttpd refuses more.
    public var maxConnections = 256
    public var line: Int

    /// Whether only this machine can reach the server.
    public var isLoopback: Bool { host == "::1" || host.hasPrefix("127.") }

    /// Tokens shorter than this are refused: a bearer token is a password.
    public static let minimumTokenLength = 16
}

extension ConfigReader {
    mutating func server(_ table: TOMLDocument.Table) -> ServerConfig? {
        let before = errors.count
        let deferredBefore = serveOnly.count
        var server = ServerConfig(host: "127.0.0.1", port: 8080, line: table.line)
        read(table, allowed: ["listen", "token", "public_url", "max_connections"]) { entry, r in
            switch entry.key {
            case "listen":
                guard let text = r.string(entry) else { return }
                guard let (host, port) = Self.listenAddress(text) else {
                    return r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line, "invalid listen address \"\(text)\"",
                            hint: "write HOST:PORT with an IP address: \"127.0.0.1:8080\", \"0.0.0.0:8080\" or "
                                + "\"[::1]:8080\""))
                }
                (server.host, server.port) = (host, port)
            case "token":
                guard let token = r.string(entry) else { return }
                guard token.count >= ServerConfig.minimumTokenLength, !token.contains(where: \.isWhitespace) else {
                    return r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line,
                            "the server token is shorter than \(ServerConfig.minimumTokenLength) characters or has "
                                + "spaces",
                            hint: "use a long random token, e.g. from: openssl rand -hex 32"))
                }
                server.token = Secret(token)
            case "public_url":
                guard let text = r.string(entry) else { return }
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                    return r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line, "invalid public_url \"\(text)\"",
                            hint: "write the dashboard's address, e.g. \"https://sync.example.com\""))
                }
                server.publicURL = text.hasSuffix("/") ? String(text.dropLast()) : text
            default:
                if let n = r.positive(entry) { server.maxConnections = min(n, 10_000) }
            }
        }
        // A token from an unset variable is serve's problem (serveOnly), not a missing token.
        if errors.count == before && serveOnly.count == deferredBefore && !server.isLoopback && server.token == nil {
            errors.append(
                ProjectError(
                    file: file, line: table.line,
                    "[server] listens on \(server.host), which other machines can reach, without a token",
                    hint: "add token = \"${WAREHOUSE_SYNC_TOKEN}\", or listen on 127.0.0.1"))
        }
        return errors.count == before ? server : nil
    }

    /// `HOST:PORT` or `[V6]:PORT` with an IP literal; `localhost` is 127.0.0.1.
    static func listenAddress(_ text: String) -> (String, UInt16)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText) else { return nil }
        let name = host == "localhost" ? "127.0.0.1" : String(host)
        var v4 = in_addr()
        var v6 = in6_addr()
        guard inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1 else { return nil }
        return (name, port)
    }
}

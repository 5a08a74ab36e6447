import Foundation

/// Which URLs a warehouse client may call: `https://` with the system's certificate checks, or
/// plain `http://` to a loopback host only (127.0.0.0/8, `localhost`: a test server or an emulator on
/// this machine), so a token never crosses a network in clear text. An IPv6 literal host is refused
/// with a clear error: Foundation's URLSession on Linux cannot request one.
public enum HTTPURLPolicy {
    /// - Throws: `HTTPClientError` (`.insecureURL`) naming the scheme and host, and what to write instead.
    public static func check(_ url: URL) throws(HTTPClientError) {
        let scheme = url.scheme?.lowercased() ?? ""
        let host = url.host ?? ""
        guard !host.isEmpty else { throw HTTPClientError(.insecureURL, "\(url.absoluteString) has no host") }
        // swift-corelibs-foundation's URLSession refuses a bracketed IPv6 literal as a bad URL (NSURLError -1000).
        if host.contains(":") {
            throw HTTPClientError(
                .insecureURL,
                "\(scheme)://[\(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))]: an IPv6 address in a "
                    + "URL is not supported here: use a host name (or 127.0.0.1 for this machine)")
        }
        if scheme == "https" { return }
        if scheme == "http" && isLoopback(host) { return }
        throw HTTPClientError(
            .insecureURL,
            scheme == "http"
                ? "http://\(host) is not encrypted: use https:// (plain http:// is only for 127.0.0.1 or localhost)"
                : "\(scheme.isEmpty ? "a URL without scheme" : scheme + "://") is not supported: use https://")
    }

    /// Whether `host` (as `URL.host` gives it, brackets or not) names this machine.
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}

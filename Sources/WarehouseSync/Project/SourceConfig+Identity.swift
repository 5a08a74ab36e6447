import Drivers
import Foundation
import SyncCore

extension SourceConfig {
    /// A digest of where the source connects, without its password: the kind, the URL or
    /// conninfo, the ODBC string and the file, each with every password removed. The skip of
    /// unchanged sources counts a change of it as a change of the model (another host, database
    /// or user may answer differently).
    public var connectionDigest: String {
        var parts = [kind.name]
        if let url { parts.append("url=" + Self.withoutPasswords(url.reveal())) }
        if let odbc { parts.append("odbc=" + Self.withoutPasswords(odbc.reveal())) }
        if let path { parts.append("path=" + path) }
        if let api {
            parts.append("account_url=" + api.url)
            for (key, value) in [("account", api.account), ("user", api.user), ("role", api.role)] {
                if let value { parts.append(key + "=" + value) }
            }
            for (key, value) in [("warehouse", api.warehouse), ("database", api.database), ("schema", api.schema)] {
                if let value { parts.append(key + "=" + value) }
            }
            for (key, value) in [("project", api.project), ("dataset", api.dataset)] {
                if let value { parts.append(key + "=" + value) }
            }
        }
        return XXH3Digest.hex(of: parts.joined(separator: "\n"))
    }

    /// `text` without a URL's `:password@`, a `password=` query parameter, or a conninfo or ODBC
    /// `password=`/`pwd=` pair (quoted or not).
    static func withoutPasswords(_ text: String) -> String {
        var out = text
        if let scheme = out.range(of: "://"), let at = out[scheme.upperBound...].firstIndex(of: "@") {
            let userinfo = out[scheme.upperBound..<at]
            if let colon = userinfo.firstIndex(of: ":") { out.removeSubrange(colon..<at) }
        }
        let pattern = #"(?i)(^|[\s;&?])(password|pwd)\s*=\s*('([^'\\]|\\.)*'|\{[^}]*\}|[^\s;&]*)([;&]|\s+)?"#
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return out }
        return expression.stringByReplacingMatches(
            in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "$1")
    }
}

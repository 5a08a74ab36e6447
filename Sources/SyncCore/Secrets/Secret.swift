import Foundation

/// A value that holds a secret (a password, a connection string with `PWD=`, a URL with a
/// password). Printing, interpolating or logging it shows only its redacted form.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String
    public init(_ value: String) { self.value = value }

    /// The real value, for handing to a driver and nothing else.
    public func reveal() -> String { value }

    public var description: String { Self.redact(value) }
    public var debugDescription: String { description }

    /// Blanks passwords out of URLs (`user:pw@`, `password=`), conninfo strings and ODBC strings.
    public static func redact(_ text: String) -> String {
        if text.contains("://") {
            var result = text
            if let scheme = result.range(of: "://"), let at = result[scheme.upperBound...].firstIndex(of: "@"),
                let colon = result[scheme.upperBound..<at].firstIndex(of: ":")
            {
                result.replaceSubrange(result.index(after: colon)..<at, with: "•••")
            }
            return redactKeyValues(result, separators: ["&", "?"])
        }
        if text.contains("=") {
            return text.contains(";") || text.uppercased().contains("DRIVER") || text.uppercased().contains("DSN")
                ? ConnectionString.redacted(text) : redactKeyValues(text, separators: [" "])
        }
        return text.isEmpty ? "" : "•••"
    }

    private static func redactKeyValues(_ text: String, separators: Set<Character>) -> String {
        var out = ""
        var hiding = false
        var token = ""
        func flush() {
            out += token
            token = ""
        }
        for c in text {
            if separators.contains(c) {
                hiding = false
                flush()
                out.append(c)
                continue
            }
            if hiding { continue }
            token.append(c)
            let lower = token.lowercased()
            if c == "=" && (lower == "password=" || lower == "pwd=" || lower == "sslpassword=") {
                flush()
                out += "•••"
                hiding = true
            }
        }
        flush()
        return out
    }
}

/// Finds the secrets in connection texts: PostgreSQL URLs and conninfo strings, ODBC strings.
public enum ConnectionSecrets {
    /// Keys whose values are secrets, lowercased.
    static let secretKeys: Set<String> = [
        "password", "pwd", "sslpassword", "passwd", "token", "access_token", "secret",
        "private_key_pwd", "privatekeypwd", "privatekey", "refresh_token", "client_secret", "keyfilepassword",
    ]

    /// Every secret value in `text`, as written and unquoted; a value that might run on past a
    /// space (an unquoted password with spaces, which the driver will misread) is added whole too.
    public static func values(in text: String) -> [String] {
        var found: [String] = []
        if let url = urlPassword(text) { found.append(url.raw) }
        found += keyValueSecrets(text)
        return found.filter { !$0.isEmpty }
    }

    /// The password of a `scheme://user:password@host/...` URL, as written (`raw`) and the URL
    /// without it. The password ends at the last `@`, so one holding `/`, `@`, `#` or `?` unencoded is
    /// still found whole.
    public static func urlPassword(_ text: String) -> (raw: String, withoutPassword: String)? {
        guard let scheme = text.range(of: "://") else { return nil }
        let rest = text[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") else { return nil }
        let raw = String(rest[rest.index(after: colon)..<at])
        let without = String(text[..<scheme.upperBound]) + rest[..<colon] + rest[at...]
        return (raw, without)
    }

    /// `key=value` pairs whose key is a secret, in conninfo (space-separated, `'quoted'`), ODBC
    /// (`;`-separated, `{braced}`) and URL query (`&`-separated) syntax.
    static func keyValueSecrets(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var found: [String] = []
        var index = 0
        while index < scalars.count {
            guard isKeyScalar(scalars[index]), index == 0 || !isKeyScalar(scalars[index - 1]) else {
                index += 1
                continue
            }
            var end = index
            while end < scalars.count && isKeyScalar(scalars[end]) { end += 1 }
            let key = String(String.UnicodeScalarView(scalars[index..<end])).lowercased()
            var equals = end
            while equals < scalars.count && scalars[equals] == " " { equals += 1 }
            guard equals < scalars.count, scalars[equals] == "=", secretKeys.contains(key) else {
                index = end
                continue
            }
            var start = equals + 1
            while start < scalars.count && scalars[start] == " " { start += 1 }
            let (values, next) = value(scalars, from: start)
            found += values
            index = max(next, start + 1)
        }
        return found
    }

    /// The value at `start`: quoted, braced, or up to a separator; with the greedy reading too.
    private static func value(_ s: [Unicode.Scalar], from start: Int) -> ([String], Int) {
        guard start < s.count else { return ([], start) }
        func text(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(s[range])) }
        if s[start] == "'" || s[start] == "{" {
            let close: Unicode.Scalar = s[start] == "'" ? "'" : "}"
            var unquoted = String.UnicodeScalarView()
            var index = start + 1
            while index < s.count {
                if close == "'" && s[index] == "\\" && index + 1 < s.count {
                    unquoted.append(s[index + 1])
                    index += 2
                    continue
                }
                if s[index] == close {
                    if close == "}" && index + 1 < s.count && s[index + 1] == "}" {
                        unquoted.append("}")
                        index += 2
                        continue
                    }
                    break
                }
                unquoted.append(s[index])
                index += 1
            }
            return ([String(unquoted), text(start..<min(index + 1, s.count))], index + 1)
        }
        var end = start
        while end < s.count && !" ;&\t\n".unicodeScalars.contains(s[end]) { end += 1 }
        var values = [text(start..<end)]
        // Greedy: up to the next `key=` or the end, for an unquoted value with spaces in it.
        var greedyEnd = end
        while greedyEnd < s.count && s[greedyEnd] == " " {
            var wordEnd = greedyEnd + 1
            while wordEnd < s.count && !" ;&=".unicodeScalars.contains(s[wordEnd]) { wordEnd += 1 }
            if wordEnd < s.count && s[wordEnd] == "=" { break }
            greedyEnd = wordEnd
        }
        if greedyEnd > end { values.append(text(start..<greedyEnd)) }
        return (values, end)
    }

    private static func isKeyScalar(_ c: Unicode.Scalar) -> Bool {
        c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }
}

/// Percent-encoding as URLs use it (RFC 3986).
public enum PercentEncoding {
    /// The decoded text, or nil when `text` has no `%`, a `%` that starts no `%XX` escape, or
    /// decodes to invalid UTF-8 (such a text is meant as written).
    public static func decode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var changed = false
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.first {
            if byte == UInt8(ascii: "%") {
                guard utf8.count >= 3, let high = hexValue(utf8[utf8.startIndex + 1]),
                    let low = hexValue(utf8[utf8.startIndex + 2])
                else { return nil }
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(3)
                changed = true
            } else {
                bytes.append(byte)
                utf8 = utf8.dropFirst()
            }
        }
        guard changed else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// `text` with every byte but unreserved ones (`A-Z a-z 0-9 - . _ ~`) written as `%XX`.
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80 && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

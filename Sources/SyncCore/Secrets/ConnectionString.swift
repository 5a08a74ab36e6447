import Foundation

/// Reading `key=value;` connection strings without ever printing their secrets.
public enum ConnectionString {
    /// The keys whose values are secrets: the one list `ConnectionSecrets` keeps.
    static var secretKeys: Set<String> { ConnectionSecrets.secretKeys }

    /// The values of keys that hold secrets (`PWD`, `Password`, `Token`, ...).
    public static func secretValues(_ text: String) -> [String] {
        pairs(text).filter { secretKeys.contains($0.key.lowercased()) }.map(\.value)
    }

    /// The string with every secret value replaced by `•••`.
    public static func redacted(_ text: String) -> String {
        pairs(text).map { secretKeys.contains($0.key.lowercased()) ? "\($0.key)=•••" : "\($0.key)=\($0.value)" }
            .joined(separator: ";")
    }

    static func pairs(_ text: String) -> [(key: String, value: String)] {
        var result: [(String, String)] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = rest[..<eq].trimmingCharacters(in: .whitespaces)
            rest = rest[rest.index(after: eq)...]
            var value = ""
            if rest.first == "{", let close = rest.firstIndex(of: "}") {
                value = String(rest[rest.index(after: rest.startIndex)..<close])
                rest = rest[rest.index(after: close)...]
                if rest.first == ";" { rest = rest.dropFirst() }
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                value = String(rest[..<end])
                rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            }
            result.append((key, value))
        }
        return result
    }
}

import Foundation

/// What makes a key's text a profile key (the text itself comes from `SQLDialect.keyText`, the
/// one definition of a key). A key the store cannot hold exactly is never merged with another:
/// its row is counted invalid and named.
enum ProfileKey {
    /// The longest key, in UTF-8 bytes: well inside PostgreSQL's index entry limit (about 2.7 KB).
    static let maxBytes = 1024

    /// Why `key` cannot be a profile key, or nil when it can.
    static func problem(_ key: UnsafeRawBufferPointer) -> String? {
        if key.isEmpty { return "the key is blank" }
        if key.count > maxBytes { return "the key is \(key.count) bytes, more than \(maxBytes)" }
        if key.contains(0) { return "the key contains a NUL character, which the store cannot hold" }
        if key.allSatisfy({ $0 == 32 || ($0 >= 9 && $0 <= 13) }) { return "the key is blank" }
        return nil
    }

    /// `key` shortened for a message: at most 60 characters, control characters escaped.
    static func shown(_ key: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: key.prefix(240), as: UTF8.self)
        var shown = ""
        for scalar in text.unicodeScalars.prefix(60) {
            shown += scalar.value < 32 ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }
        return text.unicodeScalars.count > 60 || key.count > 240 ? shown + "…" : shown
    }
}

/// A row that was read but not synced, and why: an unusable key, or a value the store cannot hold.
public struct InvalidRow: Sendable, Equatable, Codable {
    /// The key as shown (shortened); nil for a NULL key.
    public var key: String?
    /// The column whose value could not be stored; nil when the key is the problem.
    public var column: String?
    public var reason: String

    public init(key: String?, column: String?, reason: String) {
        self.key = key
        self.column = column
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case key, column, reason }

    /// Every key is written: `key` null for a NULL key, `column` null when the key is the problem.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(column, forKey: .column)
        try container.encode(reason, forKey: .reason)
    }

    /// `key "u7", column settings: the value is not valid JSON: ...`
    public static func describe(_ row: InvalidRow) -> String {
        let key = row.key.map { "key \"\($0)\"" } ?? "a NULL key"
        return "\(key)\(row.column.map { ", column \($0)" } ?? ""): \(row.reason)"
    }
}

extension Value {
    /// Why the store cannot hold this value exactly, or nil: text with a NUL character (PostgreSQL's
    /// jsonb cannot hold one), or JSON text that is not RFC 8259 JSON.
    func unstorableReason(_ json: any JSONChecking) -> String? {
        switch self {
        case .text(let s), .date(let s), .timestamp(let s), .timestampTZ(let s), .decimal(let s):
            return s.utf8.contains(0) ? "the value contains a NUL character, which the store cannot hold" : nil
        case .json(let s):
            if s.utf8.contains(0) || jsonHasNulEscape(s) {
                return "the JSON value contains a NUL character, which the store cannot hold"
            }
            guard json.isStorable(s) else {
                return "the value is not valid JSON: \(s.count > 40 ? String(s.prefix(40)) + "…" : s)"
            }
            return nil
        case .array(let items):
            return items.lazy.compactMap { $0.unstorableReason(json) }.first
        default:
            return nil
        }
    }
}

/// Whether a `\u0000` escape stands in JSON text (a backslash that is itself escaped does not count):
/// PostgreSQL's jsonb cannot hold one.
public func jsonHasNulEscape(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    var index = 0
    while index < bytes.count {
        if bytes[index] == UInt8(ascii: "\\") {
            if index + 5 < bytes.count, bytes[index + 1] == UInt8(ascii: "u"),
                bytes[(index + 2)...(index + 5)].elementsEqual("0000".utf8)
            {
                return true
            }
            index += 2
            continue
        }
        index += 1
    }
    return false
}

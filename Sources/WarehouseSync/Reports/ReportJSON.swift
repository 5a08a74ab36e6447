import Foundation
import SyncCore

/// The JSON documents the CLI's `--json` and the HTTP API share, so the shapes are one (docs/commands.md
/// "`--json` shapes").
public enum ReportJSON {
    /// An `Encodable` report as the CLI prints it: keys sorted, indented, instants in ISO 8601.
    public static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// `{"key", "traits", "provenance": {TRAIT: {"model", "run", "at"}}, "updated_at"}`.
    /// `profiles --json` and `GET /v1/profiles`: `{"profiles": [{"key", "traits", "updated_at"}...],
    /// "next_after": KEY or null}`, `next_after` naming the key to pass for the next page.
    public static func profiles(_ profiles: [ProfileRecord], nextAfter: String?) -> String {
        var out: [UInt8] = Array("{\"profiles\":[".utf8)
        for (i, profile) in profiles.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += Array("{\"key\":".utf8)
            appendJSONString(profile.key, to: &out)
            out += Array(",\"traits\":\(profile.traitsJSON),\"updated_at\":".utf8)
            appendJSONString(profile.updatedAt, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out += Array("],\"next_after\":".utf8)
        if let nextAfter { appendJSONString(nextAfter, to: &out) } else { out += Array("null".utf8) }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    public static func profile(_ profile: ProfileRecord) -> String {
        // Trait values are spliced in as stored, so exact numerics keep every digit.
        var out: [UInt8] = Array("{\"key\":".utf8)
        appendJSONString(profile.key, to: &out)
        out += Array(",\"traits\":\(profile.traitsJSON),\"provenance\":{".utf8)
        for (i, (trait, source)) in profile.sources.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(trait, to: &out)
            out += Array(":{\"model\":".utf8)
            appendJSONString(source.model, to: &out)
            out += Array(",\"run\":".utf8)
            appendJSONString(source.run, to: &out)
            out += Array(",\"at\":".utf8)
            appendJSONString(source.at, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out += Array("},\"updated_at\":".utf8)
        appendJSONString(profile.updatedAt, to: &out)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `{"changes": [...]}` with the old and new values spliced in as the JSON they are, so exact
    /// numerics keep every digit; an absent value is `null`.
    public static func changes(_ changes: [ChangeRecord]) -> String {
        var out: [UInt8] = Array("{\"changes\":[".utf8)
        for (i, change) in changes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONFields.object(
                [
                    ("run", .string(change.run)), ("model", .string(change.model)), ("key", .string(change.key)),
                    ("trait", .string(change.trait)), ("old", .raw(change.old)), ("new", .raw(change.new)),
                    ("at", .string(change.at)),
                ], to: &out)
        }
        out += Array("]}".utf8)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes a JSON object of string fields and of values that are already JSON text.
public enum JSONFields {
    public enum Field: Sendable {
        case string(String?)
        /// JSON text spliced in as it is; nil is `null`.
        case raw(String?)
    }

    public static func object(_ fields: [(String, Field)], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, (name, value)) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .string(let text?): appendJSONString(text, to: &out)
            case .raw(let json?): out += Array(json.utf8)
            case .string(nil), .raw(nil): out += Array("null".utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
    }
}

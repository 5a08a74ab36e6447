import Connectors
import Foundation

extension Value {
    /// Appends the value's canonical JSON: the form compared, hashed, stored in snapshots and
    /// written into profiles. Exact numerics keep every digit (trailing fraction zeros dropped,
    /// so `10.50` and `10.5` are one value); text, dates and times are JSON strings.
    func appendCanonicalJSON(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if d.isFinite { out.append(contentsOf: (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)").utf8) }
            else { appendJSONString(d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"), to: &out) }
        case .decimal(let text):
            if let normalized = Self.normalizedDecimal(text) { out.append(contentsOf: normalized.utf8) }
            else { appendJSONString(text, to: &out) }
        case .text(let s), .date(let s), .timestamp(let s), .timestampTZ(let s): appendJSONString(s, to: &out)
        case .json(let s): out.append(contentsOf: s.utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.appendCanonicalJSON(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .bytes(let bytes): appendJSONString(Data(bytes).base64EncodedString(), to: &out)
        }
    }

    /// The canonical JSON as a String.
    var canonicalJSON: String {
        var out: [UInt8] = []
        appendCanonicalJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The text a key compares and is stored by: the plain string for text, digits for integers,
    /// the canonical JSON otherwise. Nil for NULL.
    var keyText: String? {
        switch self {
        case .null: return nil
        case .text(let s), .date(let s), .timestamp(let s), .timestampTZ(let s), .decimal(let s): return s
        case .int(let i): return String(i)
        default: return canonicalJSON
        }
    }

    /// `+007.500` → `7.5`, `-0.00` → `0`; nil for text that is not a plain decimal (NaN).
    static func normalizedDecimal(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        var negative = false
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") {
            negative = bytes.first == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        guard !bytes.isEmpty, bytes.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: ".") }),
              bytes.filter({ $0 == UInt8(ascii: ".") }).count <= 1 else { return nil }
        var integer = bytes.prefix { $0 != UInt8(ascii: ".") }
        var fraction = bytes.count > integer.count ? Array(bytes[(integer.count + 1)...]) : []
        while integer.count > 1, integer.first == 48 { integer.removeFirst() }
        if integer.isEmpty { integer = [48] }
        while fraction.last == 48 { fraction.removeLast() }
        var result = Array(integer)
        if !fraction.isEmpty { result += [UInt8(ascii: ".")] + fraction }
        if result == [48] { negative = false }
        return (negative ? "-" : "") + String(decoding: result, as: UTF8.self)
    }
}

func appendJSONString(_ string: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
        case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
        case 10: out.append(contentsOf: [92, UInt8(ascii: "n")])
        case 13: out.append(contentsOf: [92, UInt8(ascii: "r")])
        case 9: out.append(contentsOf: [92, UInt8(ascii: "t")])
        case 0..<32:
            let hex = Array("0123456789abcdef".utf8)
            out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
        default: out.append(byte)
        }
    }
    out.append(UInt8(ascii: "\""))
}

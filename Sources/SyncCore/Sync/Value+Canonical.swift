import Foundation

extension Value {
    /// Appends the value's canonical JSON: the form compared, hashed, stored in snapshots and
    /// written into profiles. Exact numerics keep every digit (trailing fraction zeros dropped,
    /// so `10.50` and `10.5` are one value); text, dates and times are JSON strings.
    func appendCanonicalJSON(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): appendDecimalDigits(i, to: &out)
        case .double(let d):
            // -0.0 keeps its sign: distinct values have distinct forms.
            if d == 0 && d.sign == .minus {
                out.append(contentsOf: "-0".utf8)
            } else if d.isFinite {
                out.append(contentsOf: (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)").utf8)
            } else {
                appendJSONString(d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"), to: &out)
            }
        case .decimal(let text):
            if !Self.appendNormalizedDecimal(text, to: &out) { appendJSONString(text, to: &out) }
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

    /// `text` as the store writes an exact number (`10.50` is `10.5`); nil when it is no decimal number.
    public static func canonicalNumber(_ text: String) -> String? {
        var out: [UInt8] = []
        return appendNormalizedDecimal(text, to: &out) ? String(decoding: out, as: UTF8.self) : nil
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

    /// Appends `text` as a normalised decimal without allocating; false (nothing appended) when
    /// it is not a plain decimal, such as NaN.
    static func appendNormalizedDecimal(_ text: String, to out: inout [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { bytes -> Bool in
            var start = 0
            var negative = false
            if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
                negative = first == UInt8(ascii: "-")
                start = 1
            }
            var dot = -1
            for i in start..<bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: ".") {
                    if dot >= 0 { return false }
                    dot = i
                } else if c < 48 || c > 57 {
                    return false
                }
            }
            let intEnd = dot >= 0 ? dot : bytes.count
            guard intEnd > start || dot >= 0, bytes.count > start else { return false }
            var intStart = start
            while intStart < intEnd - 1, bytes[intStart] == 48 { intStart += 1 }
            var fracEnd = bytes.count
            if dot >= 0 { while fracEnd > dot + 1, bytes[fracEnd - 1] == 48 { fracEnd -= 1 } }
            let hasFraction = dot >= 0 && fracEnd > dot + 1
            let integerIsZero = intEnd == intStart || (intEnd - intStart == 1 && bytes[intStart] == 48)
            if negative && !(integerIsZero && !hasFraction) { out.append(UInt8(ascii: "-")) }
            if intEnd == intStart {
                out.append(48)
            } else {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[intStart..<intEnd]))
            }
            if hasFraction { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[dot..<fracEnd])) }
            return true
        }
    }
}

/// Appends the decimal digits of `value` without creating a String.
package func appendDecimalDigits(_ value: Int64, to out: inout [UInt8]) {
    if value == 0 {
        out.append(48)
        return
    }
    var magnitude = value.magnitude
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 20 digits, written backwards
    var count = 0
    withUnsafeMutableBytes(of: &digits) { buffer in
        while magnitude > 0 {
            buffer[23 - count] = UInt8(48 + magnitude % 10)
            magnitude /= 10
            count += 1
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: buffer[(24 - count)...])
    }
}

package func appendJSONString(_ string: String, to out: inout [UInt8]) {
    var string = string
    string.withUTF8 { appendJSONString(bytes: $0, to: &out) }
}

/// `bytes` (UTF-8) as a JSON string: quoted, with `"`, `\\` and control characters escaped.
package func appendJSONString(bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    // Most strings need no escaping: copy them whole.
    guard bytes.contains(where: { $0 < 32 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
        out.append(contentsOf: bytes)
        out.append(UInt8(ascii: "\""))
        return
    }
    for byte in bytes {
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

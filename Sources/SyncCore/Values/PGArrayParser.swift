/// How an array column's elements read: their type, and where the elements are arrays themselves (an
/// array of a domain over an array, whose elements PostgreSQL spells as quoted array texts), theirs.
public struct ArrayElement: Sendable, Equatable {
    public var type: ValueType
    public var inner: ValueType?

    public init(_ type: ValueType, inner: ValueType? = nil) {
        self.type = type
        self.inner = inner
    }
}

/// Parses PostgreSQL's array text, `{1,2,NULL}`, `{"a b","c\"d"}`, `{{1,2},{3,4}}`, into nested `.array` values.
enum PGArrayParser {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, element: ArrayElement) -> Value {
        var index = 0
        // Arrays with non-default bounds start with "[1:2]=".
        if bytes.first == UInt8(ascii: "["), let eq = bytes.firstIndex(of: UInt8(ascii: "=")) { index = eq + 1 }
        return parseLevel(bytes, &index, element)
    }

    private static func parseLevel(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ element: ArrayElement)
        -> Value
    {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return .array([]) }
        index += 1
        var items: [Value] = []
        var token: [UInt8] = []
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "}") {
                index += 1
                break
            }
            if c == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if c == UInt8(ascii: "{") {
                items.append(parseLevel(bytes, &index, element))
                continue
            }
            token.removeAll(keepingCapacity: true)
            var quoted = false
            if c == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count { index += 1 }
                    token.append(bytes[index])
                    index += 1
                }
                index += 1
            } else {
                while index < bytes.count, bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "}") {
                    token.append(bytes[index])
                    index += 1
                }
            }
            if !quoted && token == Array("NULL".utf8) {
                items.append(.null)
            } else {
                items.append(
                    token.withUnsafeBufferPointer {
                        element.type == .array
                            ? parse($0, element: ArrayElement(element.inner ?? .text))
                            : TextCellDecoder.decode($0, as: element.type)
                    })
            }
        }
        return .array(items)
    }
}

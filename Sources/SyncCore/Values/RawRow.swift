/// One row as it arrived on the wire (PostgreSQL COPY text), split into fields but not decoded:
/// a receiver can hash and compare the bytes, and decode only the rows it needs.
/// Valid only during the `row(raw:)` call that receives it.
public struct RawRow {
    let line: UnsafeBufferPointer<UInt8>
    let starts: UnsafeBufferPointer<Int>
    let ends: UnsafeBufferPointer<Int>
    let escaped: UnsafeBufferPointer<Bool>
    let types: [ValueType]
    let elements: [ValueType?]

    public var count: Int { types.count }

    /// COPY's NULL, `\N`.
    public func isNull(_ index: Int) -> Bool {
        ends[index] - starts[index] == 2 && line[starts[index]] == UInt8(ascii: "\\")
            && line[starts[index] + 1] == UInt8(ascii: "N")
    }

    /// The field exactly as sent, COPY escapes included: the same data always gives the same bytes.
    public func wireBytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: line[starts[index]..<ends[index]])
    }

    /// Fields `first` through `last` as sent, with the tabs between them.
    public func wireBytes(from first: Int, through last: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: line[starts[first]..<ends[last]])
    }

    /// Calls `body` with the field's text, escapes undone.
    public func withText<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let field = wireBytes(index)
        guard escaped[index] else { return try body(field) }
        let unescaped = PGCopyRowParser.unescape(field)
        return try unescaped.withUnsafeBufferPointer(body)
    }

    /// The field decoded to a value.
    public func value(_ index: Int) -> Value {
        if isNull(index) { return .null }
        return withText(index) { TextCellDecoder.decode($0, as: types[index], element: elements[index]) }
    }

    /// Every field decoded.
    public func values() -> [Value] { (0..<count).map(value) }
}

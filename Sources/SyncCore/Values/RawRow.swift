/// One row as it arrived on the wire (PostgreSQL COPY text), split into fields but not decoded:
/// a receiver can hash and compare the bytes, and decode only the rows it needs.
/// Valid only during the `row(raw:)` call that receives it, and the compiler holds receivers to
/// that: the row is `~Escapable`, so it cannot be stored or returned.
public struct RawRow: ~Escapable {
    let line: UnsafeBufferPointer<UInt8>
    let starts: UnsafeBufferPointer<Int>
    let ends: UnsafeBufferPointer<Int>
    let escaped: UnsafeBufferPointer<Bool>
    /// The parser's arrays, borrowed for the row's life (retaining them cost two atomic pairs a row).
    let types: UnsafeBufferPointer<ValueType>
    let elements: UnsafeBufferPointer<ArrayElement?>

    @_lifetime(immortal)
    init(
        line: UnsafeBufferPointer<UInt8>, starts: UnsafeBufferPointer<Int>, ends: UnsafeBufferPointer<Int>,
        escaped: UnsafeBufferPointer<Bool>, types: UnsafeBufferPointer<ValueType>,
        elements: UnsafeBufferPointer<ArrayElement?>
    ) {
        self.line = line
        self.starts = starts
        self.ends = ends
        self.escaped = escaped
        self.types = types
        self.elements = elements
    }

    public var count: Int { types.count }

    /// COPY's NULL, `\N`.
    public func isNull(_ index: Int) -> Bool {
        ends[index] - starts[index] == 2 && line[starts[index]] == UInt8(ascii: "\\")
            && line[starts[index] + 1] == UInt8(ascii: "N")
    }

    /// Calls `body` with the field exactly as sent, COPY escapes included: the same data always
    /// gives the same bytes. The buffer is valid only inside `body`.
    public func withWireBytes<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(rebasing: line[starts[index]..<ends[index]]))
    }

    /// Calls `body` with fields `first` through `last` as sent, with the tabs between them; the
    /// buffer is valid only inside `body`.
    public func withWireBytes<R>(
        from first: Int, through last: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R
    ) rethrows -> R {
        try body(UnsafeBufferPointer(rebasing: line[starts[first]..<ends[last]]))
    }

    /// Calls `body` with the field's text, escapes undone; the buffer is valid only inside `body`.
    public func withText<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let field = UnsafeBufferPointer(rebasing: line[starts[index]..<ends[index]])
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
    public func values() -> [Value] {
        var values: [Value] = []
        values.reserveCapacity(count)
        for index in 0..<count { values.append(value(index)) }
        return values
    }
}

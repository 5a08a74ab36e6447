/// Splits one line of `COPY ... TO STDOUT` text output into fields, without copying them. The
/// field bounds live in buffers allocated once and rewritten for every row.
public final class PGCopyRowParser {
    public let columnCount: Int
    private let starts: UnsafeMutableBufferPointer<Int>
    private let ends: UnsafeMutableBufferPointer<Int>
    private let escaped: UnsafeMutableBufferPointer<Bool>
    /// How each column is read, held here for every row (a row borrows them: nothing is retained a row).
    private let types: UnsafeMutableBufferPointer<ValueType>
    private let elements: UnsafeMutableBufferPointer<ArrayElement?>

    /// A parser of rows whose columns are read as `types` (arrays: as `elements`; one per column).
    public init(types: [ValueType], elements: [ArrayElement?]) {
        precondition(types.count == elements.count, "one element type a column")
        columnCount = types.count
        starts = .allocate(capacity: columnCount)
        starts.initialize(repeating: 0)
        ends = .allocate(capacity: columnCount)
        ends.initialize(repeating: 0)
        escaped = .allocate(capacity: columnCount)
        escaped.initialize(repeating: false)
        self.types = .allocate(capacity: columnCount)
        _ = self.types.initialize(from: types)
        self.elements = .allocate(capacity: columnCount)
        _ = self.elements.initialize(from: elements)
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
        escaped.deallocate()
        types.deinitialize().deallocate()
        elements.deinitialize().deallocate()
    }

    /// Splits `line` into fields and calls `body` with the undecoded row.
    /// - Throws: `ConnectorError` (`.protocolViolation`) when the line has too few or too many fields.
    public func split<R>(_ line: UnsafeBufferPointer<UInt8>, _ body: (RawRow) throws -> R) throws -> R {
        var end = line.count
        if end > 0, line[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        var position = 0
        for column in 0..<columnCount {
            guard position <= end else {
                throw ConnectorError(.protocolViolation, "COPY row has \(column) of \(columnCount) columns")
            }
            starts[column] = position
            var hasEscape = false
            while position < end {
                let byte = line[position]
                if byte == UInt8(ascii: "\t") { break }
                if byte == UInt8(ascii: "\\") { hasEscape = true }
                position += 1
            }
            ends[column] = position
            escaped[column] = hasEscape
            position += 1
        }
        return try body(
            RawRow(
                line: line, starts: UnsafeBufferPointer(starts), ends: UnsafeBufferPointer(ends),
                escaped: UnsafeBufferPointer(escaped), types: UnsafeBufferPointer(types),
                elements: UnsafeBufferPointer(elements)))
    }

    /// Undoes COPY's text escapes: `\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\v`, octal `\NNN`.
    static func unescape(_ field: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var scratch: [UInt8] = []
        scratch.reserveCapacity(field.count)
        var i = 0
        while i < field.count {
            let c = field[i]
            guard c == UInt8(ascii: "\\"), i + 1 < field.count else {
                scratch.append(c)
                i += 1
                continue
            }
            let next = field[i + 1]
            i += 2
            switch next {
            case UInt8(ascii: "t"): scratch.append(9)
            case UInt8(ascii: "n"): scratch.append(10)
            case UInt8(ascii: "r"): scratch.append(13)
            case UInt8(ascii: "b"): scratch.append(8)
            case UInt8(ascii: "f"): scratch.append(12)
            case UInt8(ascii: "v"): scratch.append(11)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(next - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, i < field.count, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(field[i]) {
                    value = value * 8 + Int(field[i] - UInt8(ascii: "0"))
                    i += 1
                    digits += 1
                }
                scratch.append(UInt8(truncatingIfNeeded: value))
            default: scratch.append(next)
            }
        }
        return scratch
    }
}

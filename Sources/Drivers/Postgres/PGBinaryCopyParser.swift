import SyncCore

/// Reads the messages of `COPY ... TO STDOUT (FORMAT binary)`: the stream's header (PostgreSQL
/// sends it in front of the first row, or alone, or with the trailer when there are no rows), then
/// for each row a 16-bit field count and each field as a 32-bit length (-1 for NULL) and its
/// bytes, all big-endian, and a field count of -1 at the end. Raw bytes, no text escapes: the store
/// reads its snapshot this way (a bytea arrives as itself, not as hex).
public struct PGBinaryCopyParser {
    /// "PGCOPY\n\377\r\n\0"
    private static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]
    private var headerPending = true

    public init() {}

    /// Calls `body` with each field of the row in `message` (nil for NULL); false when the message
    /// holds no row (the header alone, or the trailer).
    public mutating func parse(
        _ message: UnsafeBufferPointer<UInt8>,
        _ body: (_ index: Int, _ field: UnsafeBufferPointer<UInt8>?) throws -> Void
    ) throws -> Bool {
        var position = 0
        func need(_ count: Int) throws {
            guard position + count <= message.count else {
                throw ConnectorError(
                    .protocolViolation,
                    "binary COPY message ends after \(message.count) bytes, \(position + count) expected")
            }
        }
        func int32() throws -> Int32 {
            try need(4)
            defer { position += 4 }
            return Int32(
                bitPattern: UInt32(message[position]) << 24 | UInt32(message[position + 1]) << 16
                    | UInt32(message[position + 2]) << 8 | UInt32(message[position + 3]))
        }
        if headerPending {
            try need(Self.signature.count)
            guard message.prefix(Self.signature.count).elementsEqual(Self.signature) else {
                throw ConnectorError(.protocolViolation, "binary COPY stream does not start with the PGCOPY signature")
            }
            position = Self.signature.count
            _ = try int32()  // flags
            let extensionLength = Int(try int32())
            try need(extensionLength)
            position += extensionLength
            headerPending = false
            if position == message.count { return false }
        }
        try need(2)
        let fieldCount = Int(Int16(bitPattern: UInt16(message[position]) << 8 | UInt16(message[position + 1])))
        position += 2
        if fieldCount == -1 { return false }
        for index in 0..<fieldCount {
            let length = Int(try int32())
            if length < 0 {
                try body(index, nil)
                continue
            }
            try need(length)
            try body(index, UnsafeBufferPointer(rebasing: message[position..<position + length]))
            position += length
        }
        return true
    }
}

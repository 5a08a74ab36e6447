import CLibPQ
import SyncCore

/// Pulls the rows of `COPY (query) TO STDOUT` one at a time, parsing the text format straight
/// from libpq's buffer. The connection is busy until `next` returns false or throws.
public final class PGCopyReader {
    private let connection: PGConnection
    private let parser: PGCopyRowParser
    private var done = false
    private let cancelled: () -> Bool
    /// Bytes of row data received so far.
    public private(set) var bytes = 0

    /// Starts the COPY; `types` says how to read each column.
    public convenience init(connection: PGConnection, query: String, types: [ValueType]) throws {
        try self.init(
            connection: connection, query: query, types: types, elements: types.map { _ in nil }, cancelled: { false })
    }

    /// Starts `COPY (query) TO STDOUT (FORMAT binary)`, read with `nextMessage` and a `PGBinaryCopyParser`.
    public convenience init(binaryCopyOf query: String, connection: PGConnection) throws {
        try self.init(
            connection: connection, query: query, types: [], elements: [], cancelled: { false },
            options: " (FORMAT binary)")
    }

    package init(
        connection: PGConnection, query: String, types: [ValueType], elements: [ArrayElement?],
        cancelled: @escaping () -> Bool,
        options: String = ""
    ) throws {
        self.connection = connection
        self.parser = PGCopyRowParser(types: types, elements: elements)
        self.cancelled = cancelled
        // The extended protocol (PQexecParams): the server refuses a text of several statements.
        let copy = try Self.statement(copying: query, options: options)
        _ = try connection.check(PQexecParams(connection.handle, copy, 0, nil, nil, nil, nil, 0))
    }

    /// The `COPY` statement sent for `query`: `COPY (query) TO STDOUT[ options]`.
    /// - Throws: `ConnectorError` when `query` is not one statement.
    package static func statement(copying query: String, options: String = "") throws -> String {
        "COPY (\(try SingleStatement.trimmed(query))) TO STDOUT\(options)"
    }

    /// Reads the next row and hands it to `body` undecoded; false at the end.
    public func nextRaw(_ body: (RawRow) throws -> Void) throws -> Bool {
        try nextMessage { line in try parser.split(line, body) }
    }

    /// Hands the next message (a text row, or binary data) to `body` as received; false at the end.
    public func nextMessage(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool {
        guard !done else { return false }
        var buffer: UnsafeMutablePointer<CChar>?
        let length = PQgetCopyData(connection.handle, &buffer, 0)
        guard length >= 0 else {
            done = true
            try finish()
            return false
        }
        defer { PQfreemem(buffer) }
        bytes += Int(length)
        try buffer!.withMemoryRebound(to: UInt8.self, capacity: Int(length)) { pointer in
            try body(UnsafeBufferPointer(start: pointer, count: Int(length)))
        }
        return true
    }

    /// Stops early: cancels the COPY on the server and drains what is left.
    public func abandon() {
        guard !done else { return }
        done = true
        connection.cancelHandle()?.send()
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(connection.handle, &buffer, 0) > 0 { PQfreemem(buffer) }
        while let result = PQgetResult(connection.handle) { PQclear(result) }
    }

    /// Reads the statement's final results and throws the error among them, if any.
    private func finish() throws {
        var failure: ConnectorError?
        while let result = PQgetResult(connection.handle) {
            let status = PQresultStatus(result)
            if failure == nil, status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK {
                failure = connection.error(result, cancelled: cancelled())
            }
            PQclear(result)
            if connection.isBroken { break }
        }
        if failure == nil, connection.isBroken { failure = connection.error(nil, cancelled: cancelled()) }
        if let failure { throw failure }
    }
}

@available(*, unavailable)
extension PGCopyReader: Sendable {}

import Connectors
import Drivers
import Foundation
import SyncCore
import TestSupport
import Testing

/// Binary COPY, as the PostgreSQL store reads its snapshot: every byte arrives as itself.
@Suite struct PostgresBinaryCopyTests {
    /// Every row of a binary COPY, each field as bytes or nil.
    static func rows(_ query: String) throws -> [[[UInt8]?]] {
        let connection = try PGConnection(conninfo: try TestPostgres.url())
        let reader = try PGCopyReader(binaryCopyOf: query, connection: connection)
        var parser = PGBinaryCopyParser()
        var rows: [[[UInt8]?]] = []
        while try reader.nextMessage({ message in
            var row: [[UInt8]?] = []
            if try parser.parse(message, { _, field in row.append(field.map(Array.init)) }) { rows.append(row) }
        }) {}
        return rows
    }

    @Test func fieldsArriveAsTheirBytesWithNullsAndBigEndianIntegers() throws {
        let rows = try Self.rows(
            """
            SELECT g AS n, (-g)::bigint AS negative, convert_to(E'a\\tb\\\\c\\n' || g, 'UTF8') AS text_bytes,
                   CASE WHEN g = 2 THEN NULL ELSE (SELECT string_agg(set_byte('\\x00'::bytea, 0, b), ''::bytea ORDER BY
                       b) FROM generate_series(0, 255) b) END AS all_bytes
            FROM generate_series(1, 3) g ORDER BY g
            """)
        #expect(rows.count == 3)
        #expect(rows[0][0] == [0, 0, 0, 1])
        #expect(rows[2][1] == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFD])
        #expect(rows[0][2] == Array("a\tb\\c\n1".utf8))
        #expect(rows[0][3] == (0...255).map(UInt8.init))
        #expect(rows[1][3] == nil)
        #expect(rows[1].count == 4)
    }

    @Test func anEmptyResultHasNoRows() throws {
        #expect(try Self.rows("SELECT 1 AS n WHERE false").isEmpty)
    }

    @Test func aStreamWithoutTheSignatureIsAProtocolViolation() throws {
        var parser = PGBinaryCopyParser()
        let text = Array("1\tabc\n".utf8)
        let error = try #require(throws: ConnectorError.self) {
            try text.withUnsafeBufferPointer { message in try parser.parse(message) { _, _ in } }
        }
        #expect(error.code == .protocolViolation)
    }

    @Test func aTruncatedRowIsAProtocolViolationNotACrash() throws {
        var parser = PGBinaryCopyParser()
        // The signature, flags and extension length, then a row of one field claiming 100 bytes.
        let message: [UInt8] = [
            0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 1, 0, 0, 0, 100, 1, 2, 3,
        ]
        let error = try #require(throws: ConnectorError.self) {
            try message.withUnsafeBufferPointer { message in try parser.parse(message) { _, _ in } }
        }
        #expect(error.message.contains("binary COPY message ends"))
    }
}

import Drivers
import Foundation
import SyncCore

/// Reads `warehouse_sync.snapshots` through binary COPY, in key order (COLLATE "C": byte order):
/// the key and the canonical traits arrive as their bytes, the hash as 8 big-endian bytes.
final class PostgresSnapshotCursor: SnapshotCursor {
    private let reader: PGCopyReader
    private let connection: PGConnection
    private var parser = PGBinaryCopyParser()
    private let keyBytes = ByteScratch()
    private let traitsBytes = ByteScratch()
    private var open = true
    private(set) var hash: UInt64 = 0

    init(reader: PGCopyReader, connection: PGConnection) {
        self.reader = reader
        self.connection = connection
    }

    var key: String { String(decoding: keyBytes.bytes, as: UTF8.self) }

    func next() throws -> Bool {
        var gotRow = false
        while !gotRow {
            let more = try reader.nextMessage { message in
                gotRow = try parser.parse(message) { index, field in
                    guard let field else { throw StoreError("the snapshot has a NULL in column \(index)") }
                    switch index {
                    case 0:
                        keyBytes.removeAll()
                        keyBytes.append(UnsafeRawBufferPointer(field))
                    case 1:
                        hash = field.reduce(0) { $0 << 8 | UInt64($1) }
                    default:
                        traitsBytes.removeAll()
                        traitsBytes.append(UnsafeRawBufferPointer(field))
                    }
                }
            }
            if !more { return false }
        }
        return true
    }

    func compareKey(to other: UnsafeRawBufferPointer) -> Int {
        compareBytes(keyBytes.bytes, other)
    }

    func traits() -> EncodedTraits { EncodedTraits(bytes: Array(traitsBytes.bytes)) }

    /// Ends the read and its transaction; a second call does nothing.
    func close() {
        guard open else { return }
        open = false
        reader.abandon()
        _ = try? connection.execute("COMMIT")
    }
}

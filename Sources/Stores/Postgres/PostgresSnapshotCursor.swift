import Drivers
import Foundation
import SyncCore

/// Reads `warehouse_sync.snapshots` through binary COPY, in key order (COLLATE "C": byte order):
/// the key and the canonical traits arrive as their bytes, the hash as 8 big-endian bytes. With
/// `defersTraits`, the COPY carries the key and hash alone, and `traits(of:)` reads the traits of
/// the keys that changed or left, in the read's own transaction once the COPY has ended.
final class PostgresSnapshotCursor: SnapshotCursor {
    private let reader: PGCopyReader
    private let connection: PGConnection
    private let model: String
    let defersTraits: Bool
    /// Whether `close` ends the read's transaction (a reread's transaction is its first read's).
    private let endsTransaction: Bool
    private var parser = PGBinaryCopyParser()
    private let keyBytes = ByteScratch()
    private let traitsBytes = ByteScratch()
    private var open = true
    private(set) var hash: UInt64 = 0

    init(reader: PGCopyReader, connection: PGConnection, model: String, defersTraits: Bool, endsTransaction: Bool) {
        self.reader = reader
        self.connection = connection
        self.model = model
        self.defersTraits = defersTraits
        self.endsTransaction = endsTransaction
    }

    /// The COPY of the model's snapshot rows in key order: key and hash, and the traits unless deferred.
    static func copy(model: String, defersTraits: Bool, connection: PGConnection) throws -> PGCopyReader {
        try PGCopyReader(
            binaryCopyOf: """
                SELECT key, hash\(defersTraits ? "" : ", traits") FROM warehouse_sync.snapshots
                WHERE model = \(connection.literal(model)) ORDER BY key
                """, connection: connection)
    }

    func rereadWithTraits() throws -> any SnapshotCursor {
        PostgresSnapshotCursor(
            reader: try Self.copy(model: model, defersTraits: false, connection: connection), connection: connection,
            model: model, defersTraits: false, endsTransaction: false)
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

    func traits(of keys: [String]) throws -> [String: EncodedTraits] {
        // One primary-key probe a key (a nested loop the planner cannot turn into a scan): with the
        // statistics a large first sync leaves stale, `key = ANY($2)` was filtered over every row.
        let result = try connection.execute(
            """
            SELECT k.key, s.traits FROM unnest($2::text[]) AS k(key) CROSS JOIN LATERAL (
                SELECT traits FROM warehouse_sync.snapshots WHERE model = $1 AND key = k.key LIMIT 1) s
            """, [model, PostgresArrayLiteral.make(keys)])
        var traits: [String: EncodedTraits] = [:]
        traits.reserveCapacity(result.rowCount)
        for row in 0..<result.rowCount {
            let stored = PostgresStoreRow(result: result, row: row)
            guard let key = stored.text(0), let bytes = stored.blob(1) else { continue }
            traits[key] = EncodedTraits(bytes: bytes)
        }
        return traits
    }

    /// Ends the read and its transaction; a second call does nothing.
    func close() {
        guard open else { return }
        open = false
        reader.abandon()
        if endsTransaction { _ = try? connection.execute("COMMIT") }
    }
}

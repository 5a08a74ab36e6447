import Drivers
import Foundation
import SyncCore

/// Reads `warehouse_sync.snapshots` through binary COPY, in key order (COLLATE "C": byte order):
/// the key and the canonical traits arrive as their bytes, the hash as 8 big-endian bytes. The COPY
/// is read ahead on a thread of its own (`SnapshotPrefetch`). With `defersTraits`, it carries the key
/// and hash alone, and `traits(of:)` reads the traits of the keys that changed or left, in the read's
/// own transaction once the COPY has ended.
final class PostgresSnapshotCursor: SnapshotCursor {
    private let prefetch: SnapshotPrefetch
    private let connection: PGConnection
    private let model: String
    let defersTraits: Bool
    /// Whether `close` ends the read's transaction (a reread's transaction is its first read's).
    private let endsTransaction: Bool
    private var chunk = SnapshotPrefetch.Chunk()
    private var row = -1
    private var open = true

    init(reader: PGCopyReader, connection: PGConnection, model: String, defersTraits: Bool, endsTransaction: Bool) {
        prefetch = SnapshotPrefetch(reader: reader)
        self.connection = connection
        self.model = model
        self.defersTraits = defersTraits
        self.endsTransaction = endsTransaction
    }

    /// A cursor dropped without `close` still ends its thread.
    deinit { prefetch.stop() }

    /// The COPY of the model's snapshot rows in key order: key and hash, and the traits unless deferred.
    static func copy(model: String, defersTraits: Bool, connection: PGConnection) throws -> PGCopyReader {
        try PGCopyReader(
            binaryCopyOf: """
                SELECT key, hash\(defersTraits ? "" : ", traits") FROM warehouse_sync.snapshots
                WHERE model = \(connection.literal(model)) ORDER BY key
                """, connection: connection)
    }

    func next() throws -> Bool {
        row += 1
        if row < chunk.count { return true }
        guard let next = try prefetch.nextChunk() else {
            row = chunk.count
            return false
        }
        chunk = next
        row = 0
        return true
    }

    private var keyRange: Range<Int> { (row == 0 ? 0 : chunk.keyEnds[row - 1])..<chunk.keyEnds[row] }

    var key: String { String(decoding: chunk.keys[keyRange], as: UTF8.self) }
    var hash: UInt64 { chunk.hashes[row] }

    func compareKey(to other: UnsafeRawBufferPointer) -> Int {
        let range = keyRange
        return chunk.keys.withUnsafeBytes { compareBytes(UnsafeRawBufferPointer(rebasing: $0[range]), other) }
    }

    func traits() -> EncodedTraits {
        guard row < chunk.traitEnds.count else { return EncodedTraits(bytes: []) }
        return EncodedTraits(
            bytes: Array(chunk.traits[(row == 0 ? 0 : chunk.traitEnds[row - 1])..<chunk.traitEnds[row]]))
    }

    func traits(of keys: [String]) throws -> [EncodedTraits?] {
        prefetch.stop()
        // One primary-key probe a key (a nested loop the planner cannot turn into a scan): with the
        // statistics a large first sync leaves stale, `key = ANY($2)` was filtered over every row.
        let result = try connection.execute(
            """
            SELECT k.position, s.traits FROM unnest($2::text[]) WITH ORDINALITY AS k(key, position)
            CROSS JOIN LATERAL (
                SELECT traits FROM warehouse_sync.snapshots WHERE model = $1 AND key = k.key LIMIT 1) s
            """, [model, PostgresArrayLiteral.make(keys)])
        var traits = [EncodedTraits?](repeating: nil, count: keys.count)
        for row in 0..<result.rowCount {
            let stored = PostgresStoreRow(result: result, row: row)
            guard let position = stored.integer(0).map(Int.init), traits.indices.contains(position - 1),
                let bytes = stored.blob(1)
            else { continue }
            traits[position - 1] = EncodedTraits(bytes: bytes)
        }
        return traits
    }

    func rereadWithTraits() throws -> any SnapshotCursor {
        prefetch.stop()
        return PostgresSnapshotCursor(
            reader: try Self.copy(model: model, defersTraits: false, connection: connection), connection: connection,
            model: model, defersTraits: false, endsTransaction: false)
    }

    /// Ends the read (cancelled on the server if it was still going) and, unless it is a reread, its
    /// transaction; a second call does nothing.
    func close() {
        guard open else { return }
        open = false
        prefetch.stop()
        if endsTransaction { _ = try? connection.execute("COMMIT") }
    }
}

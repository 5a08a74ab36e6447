import Drivers
import Foundation
import SyncCore

/// Reads a snapshot's binary COPY on a thread of its own, up to `chunksAhead` chunks ahead of the
/// diff: the store's server streams its rows while the warehouse streams the result, instead of
/// waiting each time the diff turns to it (two servers and the client on as few as two cores).
///
/// The thread owns the connection until the COPY has ended or `stop` returns; the cursor uses the
/// connection again only after that. Memory holds at most `chunksAhead + 2` chunks of
/// `rowsPerChunk` rows.
final class SnapshotPrefetch: @unchecked Sendable {
    /// Parsed snapshot rows: the keys' (and traits') bytes in one buffer each, with where each row's ends.
    struct Chunk {
        var keys: [UInt8] = []
        var keyEnds: [Int] = []
        var hashes: [UInt64] = []
        var traits: [UInt8] = []
        var traitEnds: [Int] = []
        var count: Int { hashes.count }

        init() {}

        /// An empty chunk with room for as many rows and bytes as `previous` held, so that filling
        /// it grows none of its buffers.
        init(sizedLike previous: Chunk) {
            keys.reserveCapacity(previous.keys.count)
            keyEnds.reserveCapacity(previous.keyEnds.count)
            hashes.reserveCapacity(previous.hashes.count)
            traits.reserveCapacity(previous.traits.count)
            traitEnds.reserveCapacity(previous.traitEnds.count)
        }
    }

    static let rowsPerChunk = 4096
    static let chunksAhead = 8

    private let reader: PGCopyReader
    /// Guards everything below.
    private let condition = NSCondition()
    private var ready: [Chunk] = []
    private var finished = false
    private var failure: (any Error)?
    private var stopping = false

    /// Starts reading `reader`'s COPY (`key, hash[, traits]`) on a thread named for the store.
    init(reader: PGCopyReader) {
        self.reader = reader
        let thread = Thread { [self] in produce() }
        thread.name = "warehouse-sync snapshot read"
        thread.start()
    }

    /// The next chunk, waiting for it; nil after the last.
    /// - Throws: the error the read failed with (`ConnectorError`, `StoreError`).
    func nextChunk() throws -> Chunk? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        if !ready.isEmpty {
            condition.broadcast()
            return ready.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Ends the read if it is still going (cancelled on the server) and waits until the thread has
    /// let go of the connection.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
    }

    /// The thread's loop: parse rows into a chunk, hand each full chunk over, and the last.
    private func produce() {
        var parser = PGBinaryCopyParser()
        var chunk = Chunk()
        var error: (any Error)?
        do {
            var more = true
            while more {
                more = try reader.nextMessage { message in
                    _ = try parser.parse(message) { index, field in
                        guard let field else { throw StoreError("the snapshot has a NULL in column \(index)") }
                        switch index {
                        case 0:
                            chunk.keys.append(contentsOf: field)
                            chunk.keyEnds.append(chunk.keys.count)
                        case 1: chunk.hashes.append(field.reduce(0) { $0 << 8 | UInt64($1) })
                        default:
                            chunk.traits.append(contentsOf: field)
                            chunk.traitEnds.append(chunk.traits.count)
                        }
                    }
                }
                guard chunk.count >= Self.rowsPerChunk || (!more && chunk.count > 0) else { continue }
                guard hand(chunk) else {
                    reader.abandon()
                    break
                }
                chunk = Chunk(sizedLike: chunk)
            }
        } catch let thrown {
            error = thrown
        }
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// Hands `chunk` over, waiting while `chunksAhead` wait already; false once the read is stopped.
    private func hand(_ chunk: Chunk) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while ready.count >= Self.chunksAhead && !stopping { condition.wait() }
        guard !stopping else { return false }
        ready.append(chunk)
        condition.broadcast()
        return true
    }
}

import Foundation
import TestSupport
import Testing

@testable import Drivers
@testable import Stores
@testable import SyncCore

/// The PostgreSQL store's snapshot read, which runs on a thread of its own a few chunks ahead of the
/// diff: stopped early, it lets go of the connection; read to the end, the traits it left out can
/// be asked for after it.
@Suite struct PostgresSnapshotReadTests {
    /// More rows than the read holds ahead (`chunksAhead + 2` chunks), so that it waits for the diff.
    static let rows = (SnapshotPrefetch.chunksAhead + 4) * SnapshotPrefetch.rowsPerChunk

    func store() throws -> any Store {
        let url = try TestPostgres.freshDatabase("store").url
        let store = try StoreLocation(url: Secret(url), projectDirectory: FileManager.default.temporaryDirectory).open()
        try PGConnection(conninfo: url).execute(
            """
            INSERT INTO warehouse_sync.snapshots (model, key, hash, traits)
            SELECT 'm', 'k' || lpad(g::text, 6, '0'), g, int4send(g) FROM generate_series(1, \(Self.rows)) g
            """)
        return store
    }

    @Test(arguments: [true, false])
    func aReadStoppedEarlyLetsTheStoreGoOn(deferringTraits: Bool) throws {
        let store = try store()
        let cursor = try store.snapshotCursor(model: "m", deferringTraits: deferringTraits)
        for _ in 0..<10 { #expect(try cursor.next()) }
        #expect(cursor.key == "k000010" && cursor.hash == 10)
        cursor.close()
        // The connection is back, out of the read's transaction: a write goes through.
        #expect(try store.acquireLease(model: "m", holder: "test", ttl: .seconds(60), now: Date()))
        let again = try store.snapshotCursor(model: "m", deferringTraits: deferringTraits)
        var count = 0
        while try again.next() {
            count += 1
            #expect(again.hash == UInt64(count))
            if !deferringTraits {
                #expect(again.traits().bytes == [0, 0, UInt8(count >> 8 & 255), UInt8(count & 255)])
            }
        }
        again.close()
        #expect(count == Self.rows)
    }

    @Test func theTraitsLeftOutAreAskedForAfterTheRead() throws {
        let store = try store()
        let cursor = try store.snapshotCursor(model: "m", deferringTraits: true)
        #expect(cursor.defersTraits)
        while try cursor.next() {}
        #expect(try cursor.traits(of: ["k000258", "gone"]).map { $0?.bytes } == [[0, 0, 1, 2], nil])
        let reread = try cursor.rereadWithTraits()
        #expect(try reread.next())
        #expect(reread.key == "k000001" && reread.traits().bytes == [0, 0, 0, 1])
        reread.close()
        cursor.close()
        #expect(try store.acquireLease(model: "m", holder: "test", ttl: .seconds(60), now: Date()))
    }
}

import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// Segment's documented limits, against a receiver that enforces them as Segment does: a
/// `messageId` over 100 characters is answered 200 and dropped; over 32 KB a message or 500 KB a
/// batch, the whole request gets 400.
@Suite(.serialized) struct SegmentLimitsTests {
    func fixture(_ receiver: Receiver, rows: String, batchSize: Int) throws -> SyncFixture {
        let f = try SyncFixture(store: .sqlite)
        f.environment["CRM_TOKEN"] = "tok-\(UUID().uuidString.prefix(8))"
        let config = f.directory.appendingPathComponent("warehouse-sync.toml")
        try
            (try String(contentsOf: config, encoding: .utf8) + """

                [destinations.cdp]
                kind = "segment"
                url = "\(receiver.url)/seg"
                write_key = "${CRM_TOKEN}"
                batch_size = \(batchSize)
                max_requests_per_second = 1000
                timeout = "5s"
                retry_backoff = "0s"
                """).write(to: config, atomically: true, encoding: .utf8)
        try f.warehouse("CREATE TABLE customers (email text, note text); \(rows)")
        try f.model("ltv", "-- key: email\n-- destinations: cdp\nSELECT email, note FROM customers\n")
        return f
    }

    func sync(_ f: SyncFixture) async -> (status: Int32, out: String, err: String) {
        await runCLI(["sync", "ltv"], in: f.directory, environment: f.environment)
    }

    @Test func aLongKeyGetsAShortMessageIdThatStaysTheSameOnARetry() async throws {
        let receiver = try Receiver()
        let email = String(repeating: "a", count: 81) + "@example.com"  // 93 characters
        let f = try fixture(receiver, rows: "INSERT INTO customers VALUES ('\(email)', 'x')", batchSize: 10)
        try receiver.control(script: ["500"])
        #expect(await sync(f).status == 0)
        let deliver = await runCLI(["deliver"], in: f.directory, environment: f.environment)
        #expect(deliver.status == 0, "\(deliver.err)")
        let state = try receiver.state()
        let ids = try #require(state["message_ids"] as? [String])
        #expect(state["dropped"] as? Int == 0)
        #expect(ids.count == 1, "the 500 was answered before the receiver read the batch: \(ids)")
        #expect(ids.allSatisfy { $0.count <= 100 && !$0.contains(email) }, "\(ids)")
        let profiles = try #require(state["profiles"] as? [String: [String: Any]])
        #expect(profiles[email]?["note"] as? String == "x")
        // The same change built again for a later attempt (a retry, or after a crash) has the same messageId.
        func message(attempts: Int) -> String {
            let item = OutboxItem(
                destination: "cdp", runSeq: 1, key: email, run: "r1", model: "ltv", setJSON: "{}", unsetJSON: "[]",
                enqueuedAt: Date(timeIntervalSince1970: 0), attempts: attempts)
            return String(decoding: DeliveryRequest.segmentMessage(item), as: UTF8.self)
        }
        #expect(message(attempts: 0) == message(attempts: 3))
    }

    @Test func aMessageOverSegmentsLimitIsADeadLetterAtOnceAndTheRestIsDelivered() async throws {
        let receiver = try Receiver()
        let rows =
            "INSERT INTO customers VALUES ('big', repeat('x', 40000)), ('a', 'small'), ('b', 'small'), ('c', 'small')"
        let f = try fixture(receiver, rows: rows, batchSize: 50)
        #expect(await sync(f).status == 0)
        let state = try receiver.state()
        #expect(state["requests"] as? Int == 1, "one request for the three that fit, none for the one that cannot")
        let profiles = try #require(state["profiles"] as? [String: [String: Any]])
        #expect(Set(profiles.keys) == ["a", "b", "c"])
        let stats = try #require(try DeliveryRunner(project: try f.project()).stats().first)
        #expect(stats.dead == 1 && stats.pending == 0)
        let dead = try #require(stats.deadLetters.first)
        #expect(dead.key == "big" && dead.status == nil)
        #expect(dead.response?.contains("over Segment's limit of 32000 bytes a message") == true, "\(dead)")
    }

    @Test func aBatchOverFiveHundredKilobytesIsCutIntoRequestsThatFit() async throws {
        let receiver = try Receiver()
        let rows = "INSERT INTO customers SELECT 'k' || g, repeat('y', 30000) FROM generate_series(1, 40) g"
        let f = try fixture(receiver, rows: rows, batchSize: 100)
        #expect(await sync(f).status == 0)
        let state = try receiver.state()
        let bodies = try #require(state["segment_bodies"] as? [Int])
        #expect(bodies.count >= 3 && bodies.allSatisfy { $0 <= 500_000 }, "\(bodies)")
        #expect((state["profiles"] as? [String: Any])?.count == 40)
        let stats = try #require(try DeliveryRunner(project: try f.project()).stats().first)
        #expect(stats.dead == 0 && stats.pending == 0)
    }
}

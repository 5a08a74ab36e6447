import Foundation
import TestSupport
import Testing

@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The delivery guarantee under faults (issue 14): 200 runs of random adds, changes and removals,
/// a receiver that fails a third of the requests (429, 500, stalls past the timeout, dropped
/// connections), and the delivering process SIGKILLed at 20 random moments; at the end the
/// receiver's deduplicated state equals the store's profiles, and each key's changes arrived in
/// run order.
@Suite(.serialized) struct DeliveryFaultTests {
    @Test(arguments: ["webhook", "segment"])
    func everyChangeArrivesOnceInOrderThroughFailuresAndKills(kind: String) async throws {
        // Minutes of processes and sleeps: on a thread of its own, not Swift's cooperative pool, which
        // the other suites running beside it need.
        try await runBlocking { _ in try Self.chaos(kind: kind) }
    }

    static func chaos(kind: String) throws {
        var random = SeededGenerator(seed: kind == "webhook" ? 7 : 11)
        let receiver = try Receiver()
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        f.environment["CRM_TOKEN"] = "chaos-token-1234"
        let config = f.directory.appendingPathComponent("warehouse-sync.toml")
        let auth = kind == "segment" ? "write_key = \"${CRM_TOKEN}\"" : "headers = [\"X-Token: ${CRM_TOKEN}\"]"
        try
            (try String(contentsOf: config, encoding: .utf8) + """

                [destinations.crm]
                kind = "\(kind)"
                url = "\(receiver.url)/in"
                \(auth)
                batch_size = 7
                max_requests_per_second = 1000
                timeout = "1s"
                delivery_timeout = "2s"
                retry_backoff = "0s"
                """).write(to: config, atomically: true, encoding: .utf8)
        try f.warehouse("CREATE TABLE t (k TEXT PRIMARY KEY, a INTEGER, b TEXT)")
        try f.model("m", "-- key: k\n-- max_removed: 100%\n-- destinations: crm\nSELECT k, a, b FROM t\n")
        try receiver.control(chaos: 0.33)
        let warehouse = try SQLiteDatabase(path: f.warehousePath)
        let kills = Set((0..<20).map { _ in Int.random(in: 0..<200, using: &random) })
        for run in 0..<200 {
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let key = "k\(Int.random(in: 0..<40, using: &random))"
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    try warehouse.execute("DELETE FROM t WHERE k = '\(key)'")
                default:
                    try warehouse.execute(
                        "INSERT INTO t VALUES ('\(key)', \(Int.random(in: 0..<5, using: &random)), "
                            + "'v\(Int.random(in: 0..<3, using: &random))') "
                            + "ON CONFLICT (k) DO UPDATE SET a = excluded.a, b = excluded.b")
                }
            }
            if kills.contains(run) {
                #expect(try Self.tool(f, ["sync", "m", "--no-deliver"]) == 0)
                let deliver = try ToolProcess(project: f.directory, ["deliver"], environment: Self.env(f))
                Thread.sleep(forTimeInterval: Double.random(in: 0.02...0.4, using: &random))
                deliver.signal(SIGKILL)
                _ = deliver.wait(timeout: 10)
            } else {
                let status = try Self.tool(f, ["sync", "m"])
                #expect(status == 0, "run \(run)")
            }
        }
        try receiver.control(clear: true, chaos: 0)
        #expect(try Self.tool(f, ["deliver"]) == 0)

        // The receiver's state is the store's: every change delivered, none lost.
        var stored: [String: [String: String]] = [:]
        for (key, traits) in try f.allProfiles() where !traits.isEmpty { stored[key] = traits }
        let state = try receiver.state()
        let received = (state["profiles"] as? [String: [String: Any]] ?? [:]).mapValues { traits in
            traits.compactMapValues { value -> String? in
                if value is NSNull { return nil }  // segment sends unset traits as null
                let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
                return data.map { String(decoding: $0, as: UTF8.self) }
            }
        }.filter { !$0.value.isEmpty }
        #expect(received == stored)
        // Per key, changes arrived in run order.
        // Commit order: the change log's run_seq, newest first.
        var order: [String: Int] = [:]
        for change in try f.store().changes(ChangeQuery(limit: 1_000_000)).reversed() where order[change.run] == nil {
            order[change.run] = order.count
        }
        let applied = state["applied"] as? [[String]] ?? []
        var last: [String: Int] = [:]
        for pair in applied {
            let position = try #require(order[pair[1]])
            #expect(position > last[pair[0], default: -1], "key \(pair[0]) got run \(pair[1]) out of order")
            last[pair[0]] = position
        }
        #expect((state["requests"] as? Int ?? 0) > 200)
        let stats = try DeliveryRunner(project: try f.project()).stats()
        #expect(stats.first?.pending == 0 && stats.first?.dead == 0)
    }

    static func env(_ f: SyncFixture) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(f.environment) { _, new in new }
    }

    /// Runs the tool to its end; its exit status.
    static func tool(_ f: SyncFixture, _ args: [String]) throws -> Int32? {
        let process = try ToolProcess(project: f.directory, args, environment: env(f))
        return process.wait(timeout: 60)
    }
}

/// A deterministic random source, so a failing run can be repeated.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

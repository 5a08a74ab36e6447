import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The behaviour of docs/destinations.md against a real HTTP receiver on 127.0.0.1 and both stores: the outbox is
/// written in the run's transaction and a change leaves it only after a 2xx.
@Suite(.serialized) struct DeliveryTests {
    static let customers = """
        CREATE TABLE customers (user_id text, ltv numeric(12,2), risk text);
        INSERT INTO customers VALUES ('u1', 10.50, 'low'), ('u2', 20.00, 'high'), ('u3', 30.25, 'low');
        """

    func fixture(_ store: StoreKind, receiver: Receiver, kind: String = "webhook", deliveryTimeout: String = "20s")
        throws
        -> SyncFixture
    {
        let f = try SyncFixture(store: store)
        f.environment["CRM_TOKEN"] = "tok-\(UUID().uuidString.prefix(8))"
        let config = f.directory.appendingPathComponent("warehouse-sync.toml")
        let auth =
            kind == "segment" ? "write_key = \"${CRM_TOKEN}\"" : "headers = [\"Authorization: Bearer ${CRM_TOKEN}\"]"
        let text = try String(contentsOf: config, encoding: .utf8)
        try
            (text + """

                [destinations.crm]
                kind = "\(kind)"
                url = "\(receiver.url)/hook"
                \(auth)
                batch_size = 2
                max_requests_per_second = 50
                timeout = "2s"
                delivery_timeout = "\(deliveryTimeout)"
                """).write(to: config, atomically: true, encoding: .utf8)
        try f.warehouse(Self.customers)
        try f.model(
            "ltv",
            "-- key: user_id\n-- max_removed: 100%\n-- destinations: crm\nSELECT user_id, ltv, risk FROM customers\n")
        return f
    }

    /// The store's profiles as the receiver should hold them: trait → JSON value.
    func storeProfiles(_ f: SyncFixture) throws -> [String: [String: String]] {
        try f.allProfiles().filter { !$0.value.isEmpty }
    }

    func receiverProfiles(_ receiver: Receiver) throws -> [String: [String: String]] {
        let profiles = try receiver.state()["profiles"] as? [String: [String: Any]] ?? [:]
        return profiles.mapValues { traits in
            traits.mapValues { value in
                let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
                return data.map { String(decoding: $0, as: UTF8.self) } ?? "?"
            }
        }.filter { !$0.value.isEmpty }
    }

    func sync(_ f: SyncFixture, _ extra: [String] = []) async -> (status: Int32, out: String, err: String) {
        await runCLI(["sync", "ltv"] + extra, in: f.directory, environment: f.environment)
    }

    @Test(arguments: StoreKind.allCases)
    func syncDeliversEachChangeOnceAndTheReceiverMatchesTheStore(store: StoreKind) async throws {
        let receiver = try Receiver()
        let f = try fixture(store, receiver: receiver)
        #expect(await sync(f).status == 0)
        try f.warehouse(
            "UPDATE customers SET ltv = 11 WHERE user_id = 'u1'; DELETE FROM customers WHERE user_id = 'u3'; "
                + "INSERT INTO customers VALUES ('u4', NULL, 'low')")
        #expect(await sync(f).status == 0)
        #expect(try receiverProfiles(receiver) == storeProfiles(f))
        let state = try receiver.state()
        let headers = try #require(state["headers"] as? [[String: Any]])
        #expect(headers.allSatisfy { $0["authorization"] as? String == "Bearer \(f.environment["CRM_TOKEN"]!)" })
        #expect(headers.allSatisfy { ($0["idempotency_key"] as? String)?.count == 32 })
        #expect(headers.allSatisfy { ($0["count"] as? Int ?? 0) <= 2 }, "batch_size")
        let stats = try DeliveryRunner(project: try f.project()).stats()
        #expect(stats.map(\.pending) == [0] && stats.map(\.delivered) == [6])
        // Nothing changed: nothing is sent.
        let before = state["requests"] as? Int
        #expect(await sync(f).status == 0)
        #expect(try receiver.state()["requests"] as? Int == before)
    }

    @Test(arguments: StoreKind.allCases)
    func failuresAreRetriedWithBackoffAndNothingIsLostOrDuplicated(store: StoreKind) async throws {
        let receiver = try Receiver()
        let f = try fixture(store, receiver: receiver)
        try receiver.control(script: ["429:1", "500", "drop", "stall:3"])
        let result = await sync(f)
        #expect(result.status == 0, "delivery never fails the run: \(result.err)")
        #expect(try receiverProfiles(receiver) == storeProfiles(f))
        let state = try receiver.state()
        #expect(state["requests"] as? Int == 6, "4 failed answers, then 2 batches")
        #expect(state["duplicates"] as? Int == 0)
        let applied = try #require(state["applied"] as? [[String]])
        #expect(applied.count == 3)
    }

    @Test(arguments: StoreKind.allCases)
    func aRejectedRecordIsDeadLetteredAndHoldsOnlyItsOwnKey(store: StoreKind) async throws {
        let receiver = try Receiver()
        let f = try fixture(store, receiver: receiver)
        try receiver.control(reject: ["u2"])
        #expect(await sync(f).status == 0)
        var profiles = try storeProfiles(f)
        profiles["u2"] = nil
        #expect(try receiverProfiles(receiver) == profiles)
        // A later change of u2 waits behind its dead letter; u1's goes through.
        try f.warehouse("UPDATE customers SET ltv = ltv + 1")
        #expect(await sync(f).status == 0)
        profiles = try storeProfiles(f)
        profiles["u2"] = nil
        #expect(try receiverProfiles(receiver) == profiles)
        let deliveries = await runCLI(["deliveries", "--json"], in: f.directory, environment: f.environment)
        let object = try JSONSerialization.jsonObject(with: Data(deliveries.out.utf8)) as? [String: Any]
        let crm = try #require((object?["destinations"] as? [[String: Any]])?.first)
        #expect(crm["dead"] as? Int == 1 && crm["pending"] as? Int == 1)
        let letter = try #require((crm["dead_letters"] as? [[String: Any]])?.first)
        #expect(letter["key"] as? String == "u2" && letter["status"] as? Int == 400)
        #expect((letter["response"] as? String)?.contains("invalid record") == true)
        #expect((letter["response"] as? String)?.utf8.count ?? 0 <= 1024, "only the answer's first 1 KB is kept")
        // Fixed at the receiver: retried by hand, both of u2's changes arrive, in run order.
        try receiver.control(clear: true)
        let retry = await runCLI(["deliver", "--retry-dead"], in: f.directory, environment: f.environment)
        #expect(retry.status == 0, "\(retry.out)\(retry.err)")
        #expect(try receiverProfiles(receiver) == storeProfiles(f))
        let applied = try #require(try receiver.state()["applied"] as? [[String]])
        let runsOfU2 = applied.filter { $0[0] == "u2" }.map { $0[1] }
        // Run order is commit order (the change log's run_seq); the CLI's clock is fixed in these tests.
        var runOrder: [String] = []
        for change in try f.store().changes(ChangeQuery(key: "u2", limit: 100)).reversed()
        where !runOrder.contains(change.run) {
            runOrder.append(change.run)
        }
        #expect(runsOfU2.count == 2 && runsOfU2 == runOrder.filter(runsOfU2.contains), "\(applied) \(runOrder)")
    }

    @Test func aDestinationThatIsDownLosesNothingAndCatchesUp() async throws {
        var receiver = try Receiver()
        let port = receiver.port
        let f = try fixture(.sqlite, receiver: receiver, deliveryTimeout: "3s")
        receiver.stop()
        let started = Date()
        let result = await sync(f)
        #expect(result.status == 0)
        #expect(Date().timeIntervalSince(started) < 10, "sync gives up after delivery_timeout")
        let stats = try DeliveryRunner(project: try f.project()).stats()
        #expect(stats.first?.pending == 3 && stats.first?.delivered == 0)
        #expect(stats.first?.lastError?.contains("connection refused") == true)
        #expect(stats.first?.lastError?.contains(f.environment["CRM_TOKEN"]!) == false)
        receiver = try Receiver(port: port)
        // The backoff a predecessor recorded is honoured: a deliver before it ends past its own
        // delivery_timeout (3 s) sends nothing; after it, one drains the outbox.
        let backoffEnds = try #require(stats.first?.nextAttemptAt)
        if backoffEnds.timeIntervalSinceNow > 3.5 {
            let early = await runCLI(["deliver"], in: f.directory, environment: f.environment)
            #expect(early.status == 1)
            #expect(try receiver.state()["requests"] as? Int == 0)
        }
        try await Task.sleep(for: .seconds(max(backoffEnds.timeIntervalSinceNow, 0)))
        let deliver = await runCLI(["deliver"], in: f.directory, environment: f.environment)
        #expect(deliver.status == 0, "\(deliver.out)\(deliver.err)")
        #expect(try receiverProfiles(receiver) == storeProfiles(f))
    }

    @Test func aHugeAnswerIsNotReadWhole() async throws {
        let receiver = try Receiver()
        let f = try fixture(.sqlite, receiver: receiver)
        try receiver.control(script: ["huge", "huge"])
        #expect(await sync(f).status == 0)
        #expect(try receiverProfiles(receiver) == storeProfiles(f))
        #expect(try DeliveryRunner(project: try f.project()).stats().first?.pending == 0)
    }

    /// A delivery waiting on a slow destination holds no store transaction: a sync of the model
    /// commits meanwhile at its usual speed.
    @Test func aDeliveryInProgressNeverHoldsUpACommit() async throws {
        let receiver = try Receiver()
        let f = try fixture(.sqlite, receiver: receiver)
        #expect(await sync(f, ["--no-deliver"]).status == 0)
        try receiver.control(script: ["stall:6"])
        let deliver = try ToolProcess(
            project: f.directory, ["deliver"],
            environment: ProcessInfo.processInfo.environment.merging(f.environment) { _, new in new })
        defer { deliver.signal(SIGKILL) }
        _ = try await runBlocking { _ in try waitUntil(10) { (try? receiver.state()["requests"] as? Int) == 1 } }
        try f.warehouse("UPDATE customers SET ltv = ltv + 1")
        let started = ContinuousClock.now
        #expect(await sync(f, ["--no-deliver"]).status == 0)
        #expect(ContinuousClock.now - started < .seconds(4), "the commit did not wait for the delivery")
        #expect(deliver.process.isRunning, "the delivery was still waiting on the destination")
        #expect(try f.traits("u1")["ltv"] == "11.5", "the second run committed")
    }

    @Test func noDeliverLeavesTheChangesQueued() async throws {
        let receiver = try Receiver()
        let f = try fixture(.sqlite, receiver: receiver)
        #expect(await sync(f, ["--no-deliver"]).status == 0)
        #expect(try receiver.state()["requests"] as? Int == 0)
        #expect(try DeliveryRunner(project: try f.project()).stats().first?.pending == 3)
    }

    @Test func serveDeliversWhatSyncLeftQueuedAndReportsItInTheMetrics() async throws {
        let receiver = try Receiver()
        let f = try fixture(.sqlite, receiver: receiver)
        let config = f.directory.appendingPathComponent("warehouse-sync.toml")
        try (try String(contentsOf: config, encoding: .utf8) + "\n[scheduler]\nmetrics_file = \"metrics.prom\"\n")
            .write(to: config, atomically: true, encoding: .utf8)
        #expect(await sync(f, ["--no-deliver"]).status == 0)
        let serve = try ToolProcess(
            project: f.directory, ["serve"],
            environment: ProcessInfo.processInfo.environment.merging(f.environment) { _, new in new })
        defer {
            serve.signal(SIGTERM)
            _ = serve.wait(timeout: 15)
        }
        let metrics = f.directory.appendingPathComponent("metrics.prom").path
        let delivered = try await runBlocking { _ in
            try waitUntil(20) {
                (try? String(contentsOfFile: metrics, encoding: .utf8))?.contains(
                    "warehouse_sync_deliveries_total{destination=\"crm\",outcome=\"delivered\"} 3") == true
            }
        }
        #expect(delivered, "\(serve.stderr)")
        #expect(try receiverProfiles(receiver) == storeProfiles(f))
        #expect(
            try String(contentsOfFile: metrics, encoding: .utf8).contains(
                "warehouse_sync_delivery_pending{destination=\"crm\"} 0"))
        #expect(!serve.stderr.contains(f.environment["CRM_TOKEN"]!))
    }

    @Test func segmentGetsIdentifyCallsWithBasicAuthAndUnsetTraitsAsNull() async throws {
        let receiver = try Receiver()
        let f = try fixture(.sqlite, receiver: receiver, kind: "segment")
        #expect(await sync(f).status == 0)
        try f.warehouse("DELETE FROM customers WHERE user_id = 'u3'")
        #expect(await sync(f).status == 0)
        let state = try receiver.state()
        let headers = try #require(state["headers"] as? [[String: Any]])
        let auth = "Basic " + Data("\(f.environment["CRM_TOKEN"]!):".utf8).base64EncodedString()
        #expect(
            headers.allSatisfy { $0["authorization"] as? String == auth && $0["path"] as? String == "/hook/v1/batch" })
        let profiles = try #require(state["profiles"] as? [String: [String: Any]])
        #expect(profiles["u3"]?["ltv"] is NSNull && profiles["u3"]?["risk"] is NSNull)
        #expect(profiles["u1"]?["ltv"] as? Double == 10.5)
    }

    @Test func revertedChangesAreDeliveredToo() async throws {
        let receiver = try Receiver()
        let f = try fixture(.sqlite, receiver: receiver)
        #expect(await sync(f).status == 0)
        try f.warehouse("UPDATE customers SET ltv = 99 WHERE user_id = 'u1'")
        let bad = try f.sync("ltv").record
        let revert = await runCLI(["revert", bad.id], in: f.directory, environment: f.environment)
        #expect(revert.status == 0, "\(revert.err)")
        let deliver = await runCLI(["deliver"], in: f.directory, environment: f.environment)
        #expect(deliver.status == 0)
        #expect(try receiverProfiles(receiver)["u1"]?["ltv"] == "10.5")
    }

    @Test func destinationsAreValidatedWithFileAndLine() throws {
        let config = """
            [sources.wh]
            kind = "sqlite"
            path = "w.db"

            [destinations.crm]
            kind = "webhook"
            url = "ftp://x"
            bacth_size = 5

            [destinations.cdp]
            kind = "segment"
            url = "https://api.segment.io"

            [destinations.w3]
            url = "https://x.example"
            batch_size = 0
            """
        let (_, unsorted) = ProjectConfig.loadCollecting(text: config, file: "warehouse-sync.toml", environment: [:])
        let errors = unsorted.sorted()
        #expect(errors.map(\.line) == [7, 8, 10, 14, 16], "\(errors)")
        #expect(errors[0].message.contains("invalid url") && errors[1].code == .unknownKey)
        #expect(errors[2].message.contains("write_key"))
        #expect(errors[3].message.contains("has no kind") && errors[4].message.contains("batch_size"))
        #expect(throws: ProjectErrors.self) {
            try Model.parse(text: "-- key: id\n-- destinations: crm, crm\nSELECT 1 AS id\n", file: "m.sql")
        }
    }

    @Test func urlPasswordsAndWriteKeysAreSecretsInEveryForm() throws {
        let config = """
            [sources.wh]
            kind = "sqlite"
            path = "w.db"

            [destinations.crm]
            kind = "webhook"
            url = "https://alice:Sup3rS3cretPw@hooks.example/in"

            [destinations.cdp]
            kind = "segment"
            url = "https://api.segment.io"
            write_key = "wk_SECRETKEY123"
            """
        let loaded = try ProjectConfig.load(text: config, file: "warehouse-sync.toml", environment: [:])
        let echoed =
            "Sup3rS3cretPw \(Data("alice:Sup3rS3cretPw".utf8).base64EncodedString()) wk_SECRETKEY123 "
            + Data("wk_SECRETKEY123:".utf8).base64EncodedString()
        let redacted = loaded.secrets.redact(echoed)
        for secret in ["Sup3rS3cretPw", "YWxpY2U6", "wk_SECRETKEY123", "d2tfU0VD"] {
            #expect(!redacted.contains(secret), "\(redacted)")
        }
    }

    @Test func aModelNamingAnUnknownDestinationFailsValidation() async throws {
        let receiver = try Receiver()
        let f = try fixture(.sqlite, receiver: receiver)
        try f.model("other", "-- key: user_id\n-- destinations: crm, nope\nSELECT user_id FROM customers\n")
        let result = await runCLI(["validate"], in: f.directory, environment: f.environment)
        #expect(result.status == 2)
        #expect(
            result.err.contains("models/other.sql:2: destination nope is not in warehouse-sync.toml"), "\(result.err)")
    }
}

import Foundation
import TestSupport
import Testing

@testable import Drivers
@testable import SyncCore
@testable import WarehouseSync

/// The alerts (docs/alerts.md) on the real `serve` binary, received by a real HTTP receiver on 127.0.0.1 that
/// fails on command: a model that fails on every tick, then recovers, sends exactly two messages
/// per alert (failed, recovered), however many ticks pass, and a refused message is retried.
@Suite struct AlertProcessTests {
    @Test func aFailingThenRecoveringModelSendsTwoMessagesPerAlert() throws {
        let receiver = try Receiver()
        try receiver.control(script: ["500"])  // the first alert is refused once, then retried
        // An alert whose receiver never answers delays only its own messages.
        let hanging = try Receiver()
        try hanging.control(script: Array(repeating: "stall:30", count: 20))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-alerts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let wh = try TestPostgres.freshDatabase("alerts_wh")
        let warehouse = try PGConnection(conninfo: wh.url)
        try """
        [store]
        url = "sqlite:state.db"
        [sources.wh]
        kind = "postgres"
        url = "\(wh.url)"
        [alerts.ops]
        kind = "webhook"
        url = "\(receiver.url)/ops"
        on = ["failed", "recovered"]
        [alerts.chat]
        kind = "slack"
        url = "\(receiver.url)/slack"
        on = ["failed", "blocked", "recovered"]
        [alerts.hung]
        kind = "webhook"
        url = "\(hanging.url)/hung"
        on = ["failed", "recovered"]
        """.write(to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        try "-- key: id\n-- schedule: every 1s\nSELECT id, v FROM src\n".write(
            to: directory.appendingPathComponent("models/m.sql"), atomically: true, encoding: .utf8)
        let serve = try ToolProcess(project: directory, ["serve"])
        defer {
            serve.signal(SIGTERM)
            _ = serve.wait(timeout: 15)
        }
        func alerts() throws -> [[String: Any]] { try receiver.state()["alerts"] as? [[String: Any]] ?? [] }
        #expect(
            try ServeProcessTests.waitFor(20) { serve.stderr.components(separatedBy: "\"run_failed\"").count > 4 },
            "the model fails on tick after tick:\n\(serve.stderr)")
        try warehouse.execute("CREATE TABLE src (id text, v int); INSERT INTO src VALUES ('a', 1)")
        let arrived = try ServeProcessTests.waitFor(20) { try alerts().count == 4 }
        #expect(arrived, "\(String(describing: try? alerts()))\n\(serve.stderr)")
        Thread.sleep(forTimeInterval: 3)  // more ticks, all succeeding: no more messages
        let received = try alerts()
        #expect(received.count == 4, "\(received)")
        let webhook = received.filter { $0["alert"] != nil }
        #expect(webhook.map { $0["alert"] as? String } == ["failed", "recovered"], "\(webhook)")
        #expect(webhook.allSatisfy { $0["model"] as? String == "m" && $0["run"] is String && $0["at"] is String })
        #expect((webhook.first?["message"] as? String)?.contains("src") == true, "the error says what failed")
        let slack = received.compactMap { $0["text"] as? String }
        #expect(slack.count == 2 && slack[0].contains("*m* failed") && slack[1].contains("*m* recovered"), "\(slack)")
        #expect(serve.stderr.contains("\"alert_failed\""), "the refused message was logged and retried")
        #expect(serve.stderr.contains("\"alert\":\"hung\""), "the hanging receiver's failures are logged")
        #expect(!serve.stderr.contains(receiver.url + "/slack"), "the Slack URL (a credential) is in no log")
    }
}

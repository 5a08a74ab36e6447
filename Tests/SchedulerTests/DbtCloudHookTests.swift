import Foundation
import TestSupport
import Testing

@testable import Drivers
@testable import SyncCore

/// docs/dbt.md: `serve` takes dbt Cloud's `job.run.completed` webhook at `POST /v1/hooks/dbt-cloud`, on the
/// real binary over HTTP, signed by Python's hmac: a forged or unsigned delivery is refused, a replayed one
/// (also after a restart) queues nothing, a failed dbt run queues nothing, a successful one queues the
/// models that ref dbt nodes.
@Suite(.serialized, .enabled(if: TestDbt.enabled)) struct DbtCloudHookTests {
    static let secret = "whsec-" + UUID().uuidString

    final class Project {
        let directory: URL
        let environment: [String: String]
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-hook-\(UUID().uuidString)")
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
            let wh = try TestPostgres.freshDatabase("hook_wh")
            let analytics = directory.appendingPathComponent("analytics")
            try TestDbt.copyFixture(to: analytics)
            for command in [["seed"], ["run"]] {
                let result = try TestDbt.run(command, in: analytics, database: wh.name)
                #expect(result.status == 0, "dbt \(command):\n\(result.output)")
            }
            try """
            [store]
            url = "sqlite:state.db"
            [sources.wh]
            kind = "postgres"
            url = "\(wh.url)"
            [server]
            listen = "127.0.0.1:0"
            token = "${WS_TEST_TOKEN}"
            [dbt]
            project_dir = "analytics"
            webhook_secret = "${WS_TEST_DBT_SECRET}"
            cloud_job_ids = [42]
            """.write(to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
            try "-- key: customer_id\nSELECT customer_id::text AS customer_id, tier FROM {{ ref('stg_customers') }}\n"
                .write(to: directory.appendingPathComponent("models/tiers.sql"), atomically: true, encoding: .utf8)
            try "-- key: id\nSELECT 'x' AS id, 1 AS plain\n"
                .write(to: directory.appendingPathComponent("models/plain.sql"), atomically: true, encoding: .utf8)
            var environment = ProcessInfo.processInfo.environment
            environment["WS_TEST_TOKEN"] = apiToken
            environment["WS_TEST_DBT_SECRET"] = DbtCloudHookTests.secret
            self.environment = environment
        }

        /// Starts `serve` and returns it with its base URL.
        func serve() throws -> (ToolProcess, String) {
            let serve = try ToolProcess(project: directory, ["serve"], environment: environment)
            var port: Int?
            let deadline = Date().addingTimeInterval(30)
            while port == nil && Date() < deadline && serve.process.isRunning {
                port = ServeAPITests.Service.port(in: serve.stderr)
                if port == nil { Thread.sleep(forTimeInterval: 0.1) }
            }
            guard let port else { throw ServeAPITests.TestFailure("serve did not start:\n\(serve.stderr)") }
            return (serve, "http://127.0.0.1:\(port)")
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    /// A dbt Cloud delivery's body.
    static func event(run: String, job: Int = 42, status: String = "Success", type: String = "job.run.completed")
        -> String
    {
        """
        {"accountId": 1, "webhookId": "wsu_1", "eventId": "wev_\(run)", "timestamp": "2026-12-07T10:00:00Z", \
        "eventType": "\(type)", "webhookName": "warehouse-sync", "data": {"jobId": "\(job)", "runId": "\(run)", \
        "runStatus": "\(status)", "runStatusCode": \(status == "Success" ? 10 : 20)}}
        """
    }

    /// The hex HMAC-SHA256 of `body` under `key`, by Python's hmac module.
    static func sign(_ body: String, key: String = secret) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import hmac, hashlib, sys; print(hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), "
                + "hashlib.sha256).hexdigest())", key,
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(body.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// POSTs `body` to the hook with `Authorization: signature` (none when nil), as JSON unless
    /// `headers` say otherwise.
    static func deliver(_ base: String, _ body: String, signature: String?, headers: [String] = []) throws -> (
        Int, [String: Any]
    ) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hook-\(UUID().uuidString).json")
        try body.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let auth = signature.map { ["-H", "Authorization: \($0)"] } ?? []
        let (status, text) = try ServeAPITests.curl(
            base + "/v1/hooks/dbt-cloud", ["-X", "POST", "--data-binary", "@\(file.path)"] + auth + headers, token: nil)
        return (status, (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? ["raw": text])
    }

    /// The model's runs in the store, newest first, once none is queued or running.
    static func settledRuns(_ base: String, model: String) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(60)
        while true {
            let (_, text) = try ServeAPITests.curl(base + "/v1/runs?model=\(model)&limit=10")
            let runs =
                ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any])?["runs"]
                as? [[String: Any]] ?? []
            let settled = runs.allSatisfy {
                $0["status"] as? String != "running" && $0["status"] as? String != "queued"
            }
            if (!runs.isEmpty && settled) || Date() > deadline { return runs }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    @Test func forgedDeliveriesAreRefusedAndAReplayQueuesNothing() throws {
        let project = try Project()
        var (serve, base) = try project.serve()
        let success = Self.event(run: "1001")

        #expect(try Self.deliver(base, success, signature: nil).0 == 401, "unsigned")
        #expect(try Self.deliver(base, success, signature: try Self.sign(success, key: "not-the-secret")).0 == 401)
        let tampered = success.replacingOccurrences(of: "\"42\"", with: "\"43\"")
        #expect(
            try Self.deliver(base, tampered, signature: try Self.sign(success)).0 == 401, "body changed after signing")
        #expect(try Self.deliver(base, success, signature: "zz").0 == 401)
        // Only a body declared as JSON is taken (docs/http-api.md): not text/plain, not two types.
        for types in [["text/plain"], ["application/json", "text/plain"]] {
            let headers = types.flatMap { ["-H", "Content-Type: \($0)"] }
            let typed = try Self.deliver(base, success, signature: try Self.sign(success), headers: headers)
            #expect(typed.0 == 415, "Content-Type \(types): \(typed.1)")
        }
        for (data, problem) in [
            ("{\"jobId\": \"42\"}", "$.data.runId is missing"),
            ("{\"jobId\": \"42\", \"runId\": null}", "$.data.runId is null"),
        ] {
            let body = "{\"eventType\": \"job.run.completed\", \"data\": \(data)}"
            let answer = try Self.deliver(base, body, signature: try Self.sign(body))
            #expect(answer.0 == 400)
            #expect(answer.1["error"] as? String == "the body is not a dbt Cloud job event: \(problem)", "\(answer.1)")
        }

        let otherJob = Self.event(run: "900", job: 7)
        let ignored = try Self.deliver(base, otherJob, signature: try Self.sign(otherJob))
        #expect(ignored.0 == 202)
        #expect((ignored.1["ignored"] as? String)?.contains("cloud_job_ids") == true, "\(ignored.1)")

        let failed = Self.event(run: "1000", status: "Errored")
        let failedAnswer = try Self.deliver(base, failed, signature: try Self.sign(failed))
        #expect(failedAnswer.0 == 202)
        #expect(failedAnswer.1["queued"] as? [String] == [], "\(failedAnswer.1)")

        let first = try Self.deliver(base, success, signature: try Self.sign(success))
        #expect(first.0 == 202)
        #expect(first.1["queued"] as? [String] == ["tiers"], "only the model that refs a dbt node: \(first.1)")
        let runs = try Self.settledRuns(base, model: "tiers")
        #expect(runs.count == 1 && runs.first?["status"] as? String == "succeeded", "\(runs)")

        let replay = try Self.deliver(base, success, signature: try Self.sign(success))
        #expect(replay.0 == 202)
        #expect(replay.1["duplicate"] as? Bool == true, "\(replay.1)")
        #expect(replay.1["queued"] as? [String] == [])

        serve.signal(SIGTERM)
        #expect(serve.wait(timeout: 15) == 0)
        #expect(serve.stderr.contains("dbt_cloud_run_failed"), "a failed dbt Cloud run is logged")
        #expect(!serve.stderr.contains(Self.secret), "the secret never reaches the log")
        (serve, base) = try project.serve()
        let afterRestart = try Self.deliver(base, success, signature: try Self.sign(success))
        #expect(afterRestart.1["duplicate"] as? Bool == true, "the run id survives a restart: \(afterRestart.1)")
        #expect(try Self.settledRuns(base, model: "tiers").count == 1)
        let plain = try ServeAPITests.curl(base + "/v1/runs?model=plain").1
        #expect((ServeAPITests.json(plain)["runs"] as? [[String: Any]])?.isEmpty == true, "\(plain)")
        serve.signal(SIGTERM)
        _ = serve.wait(timeout: 15)
    }
}

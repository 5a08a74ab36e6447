import Foundation
import TestSupport
import Testing

@testable import Drivers
@testable import SyncCore
@testable import WarehouseSync

/// The HTTP API and dashboard (docs/http-api.md), on the real `serve` binary listening on 127.0.0.1, exercised
/// over HTTP by curl and Python's urllib, and the dashboard opened in headless Chromium.
/// The `[server]` token of these tests.
let apiToken = "test-token-" + UUID().uuidString

@Suite(.serialized) struct ServeAPITests {
    static var token: String { apiToken }

    /// A project with a PostgreSQL warehouse and a SQLite store, a `[server]` on a free port, and
    /// three manual models: `ltv`, `slow` (2 s a run) and `held` (held by max_changed, with a
    /// key that is an HTML tag).
    final class Service {
        let directory: URL
        let warehouse: PGConnection
        let serve: ToolProcess
        let base: String

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-api-\(UUID().uuidString)")
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
            let wh = try TestPostgres.freshDatabase("api_wh")
            warehouse = try PGConnection(conninfo: wh.url)
            try warehouse.execute(
                """
                CREATE TABLE t (id text, v int); INSERT INTO t SELECT 'k' || g, g FROM generate_series(1, 200) g;
                CREATE TABLE h (id text, score int);
                INSERT INTO h VALUES ('<script>alert(1)</script>', 1), ('a', 1), ('b', 1);
                """)
            try """
            [store]
            url = "sqlite:state.db"
            [sources.wh]
            kind = "postgres"
            url = "\(wh.url)"
            max_concurrent_runs = 3
            [scheduler]
            max_concurrent_runs = 3
            [server]
            listen = "127.0.0.1:0"
            token = "${WS_TEST_TOKEN}"
            """.write(to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
            for (name, text) in [
                ("ltv", "-- key: id\nSELECT id, v FROM t\n"),
                ("slow", "-- key: id\nSELECT id, v AS slow_v FROM t, (SELECT pg_sleep(2)) s\n"),
                ("held", "-- key: id\n-- max_changed: 1\n-- skip_unchanged: false\nSELECT id, score FROM h\n"),
                ("doubled", "-- key: id\n-- schedule: after ltv\nSELECT id, v * 2 AS doubled FROM t\n"),
            ] {
                try text.write(
                    to: directory.appendingPathComponent("models/\(name).sql"), atomically: true, encoding: .utf8)
            }
            var environment = ProcessInfo.processInfo.environment
            environment["WS_TEST_TOKEN"] = apiToken
            #expect(
                try ToolProcess(project: directory, ["sync", "held"], environment: environment).wait(timeout: 60) == 0)
            try warehouse.execute("UPDATE h SET score = 2")
            #expect(
                try ToolProcess(project: directory, ["sync", "held"], environment: environment).wait(timeout: 60) == 1)
            serve = try ToolProcess(project: directory, ["serve"], environment: environment)
            var port: Int?
            let deadline = Date().addingTimeInterval(30)
            while port == nil && Date() < deadline {
                port = Self.port(in: serve.stderr)
                if port == nil { Thread.sleep(forTimeInterval: 0.1) }
            }
            guard let port else {
                let ended = serve.process.isRunning ? "still running" : "exited with \(serve.wait(timeout: 1) ?? 0)"
                throw TestFailure("serve did not start its server (\(ended)):\n\(serve.stderr)")
            }
            base = "http://127.0.0.1:\(port)"
        }

        static func port(in log: String) -> Int? {
            for line in log.split(separator: "\n") where line.contains("\"server_started\"") {
                guard let data = line.data(using: .utf8),
                    let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                else { continue }
                return object["port"] as? Int
            }
            return nil
        }

        deinit {
            serve.signal(SIGTERM)
            _ = serve.wait(timeout: 15)
            try? FileManager.default.removeItem(at: directory)
        }
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// `curl` the path: the status and the body.
    /// `curl` with the token; a POST gets `Content-Type: application/json` unless `asJSON` is false
    /// or `extra` names a content type. Returns the status and the body.
    static func curl(_ url: String, _ extra: [String] = [], token: String? = Self.token, asJSON: Bool = true) throws
        -> (Int, String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        let auth = token.map { ["-H", "Authorization: Bearer \($0)"] } ?? []
        // A state-changing request is JSON (a browser cannot send that without a preflight).
        let json =
            asJSON && extra.contains("POST") && !extra.contains(where: { $0.lowercased().hasPrefix("content-type") })
            ? ["-H", "Content-Type: application/json"] : []
        process.arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "30"] + auth + json + extra + [url]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let split = text.lastIndex(of: "\n") ?? text.startIndex
        return (Int(text[split...].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, String(text[..<split]))
    }

    static func python(_ args: [String]) throws -> Any {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/http_client.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + args
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONSerialization.jsonObject(with: data)
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    static func waitFor(_ seconds: TimeInterval, _ condition: () throws -> Bool) throws -> Bool {
        try ServeProcessTests.waitFor(seconds, condition)
    }

    @Test func theAPIAnswersWithTheCLIsShapesAndRefusesWithoutTheToken() throws {
        let s = try Service()
        #expect(try Self.curl(s.base + "/v1/status", token: nil).0 == 401)
        #expect(try Self.curl(s.base + "/v1/status", token: "wrong-token-of-some-length").0 == 401)
        #expect(try Self.curl(s.base + "/", token: nil).0 == 401)
        let (status, body) = try Self.curl(s.base + "/v1/status")
        #expect(status == 200)
        let models = (Self.json(body)["models"] as? [[String: Any]])?.compactMap { $0["model"] as? String }
        #expect(models == ["doubled", "held", "ltv", "slow"], "\(body)")
        let doubled = (Self.json(body)["models"] as? [[String: Any]])?.first { $0["model"] as? String == "doubled" }
        #expect(doubled?["schedule"] as? String == "after ltv", "status shows the dependency")
        // Every model is manual: health needs no heartbeat, and no model failed 3 times.
        // Without credentials /healthz says whether and why not, and nothing of models, keys or errors.
        let health = try Self.curl(s.base + "/healthz", token: nil)
        #expect(health.0 == 200 && Self.json(health.1)["healthy"] as? Bool == true, "\(health)")
        #expect(Set(Self.json(health.1).keys) == ["healthy", "problems"], "\(health)")
        #expect(!health.1.contains("held") && !health.1.contains("script"), "\(health)")
        let fullHealth = try Self.curl(s.base + "/healthz")
        #expect(fullHealth.0 == 200 && fullHealth.1.contains("max_changed"), "the token shows the whole report")
        #expect(try Self.curl(s.base + "/healthz", token: "wrong-token-of-some-length").1 == health.1)
        let metrics = try Self.curl(s.base + "/metrics", token: nil)
        #expect(metrics.0 == 200 && metrics.1.contains("# TYPE warehouse_sync_runs_total counter"))
        let runs = Self.json(try Self.curl(s.base + "/v1/runs?model=held&limit=5").1)["runs"] as? [[String: Any]]
        #expect(runs?.map { $0["status"] as? String } == ["blocked", "succeeded"])
        let heldID = try #require(runs?.first?["id"] as? String)
        #expect(Self.json(try Self.curl(s.base + "/v1/runs/\(heldID)").1)["status"] as? String == "blocked")
        let profile = try Self.curl(s.base + "/v1/profiles/a")
        #expect(profile.0 == 200 && Self.json(profile.1)["traits"] as? [String: Int] == ["score": 1], "\(profile)")
        let listed = Self.json(try Self.curl(s.base + "/v1/profiles?trait=score&value=1&limit=2").1)
        #expect(
            (listed["profiles"] as? [[String: Any]])?.compactMap { $0["key"] as? String } == [
                "<script>alert(1)</script>", "a",
            ]
                && listed["next_after"] as? String == "a", "\(listed)")
        #expect(try Self.curl(s.base + "/v1/profiles?value=1").0 == 400)
        let changes = try Self.curl(s.base + "/v1/changes?model=held&key=a")
        #expect(changes.0 == 200 && changes.1.contains("\"trait\":\"score\""), "\(changes)")
        for (path, expected) in [
            ("/v1/profiles/nobody", 404), ("/v1/runs/nope", 404), ("/v1/runs?limit=0", 400),
            ("/v1/runs?model=nope", 404), ("/v1/changes?since=yesterday", 400), ("/v2/anything", 404),
        ] {
            #expect(try Self.curl(s.base + path).0 == expected, "\(path)")
        }
        #expect(try Self.curl(s.base + "/v1/status", ["-X", "DELETE"]).0 == 405)
        #expect(!s.serve.stderr.contains(Self.token), "the token is in no log")
    }

    @Test func aTriggerStartsARunAndABurstStartsOne() throws {
        let s = try Service()
        let (status, body) = try Self.curl(s.base + "/v1/models/ltv/runs", ["-X", "POST"])
        #expect(status == 202, "\(body)")
        let answer = Self.json(body)
        #expect(answer["model"] as? String == "ltv" && answer["queued"] as? Bool == true)
        let id = try #require(answer["run"] as? String)
        // ltv has no schedule, so only the trigger can start it; the margin is for a loaded machine.
        #expect(
            try Self.waitFor(15) {
                let run = Self.json(try Self.curl(s.base + "/v1/runs/\(id)").1)
                return ["running", "succeeded"].contains(run["status"] as? String ?? "")
            }, "the trigger started the run")
        #expect(
            try Self.waitFor(20) {
                Self.json(try Self.curl(s.base + "/v1/runs/\(id)").1)["status"] as? String == "succeeded"
            })
        // doubled runs after each success of ltv.
        #expect(
            try Self.waitFor(20) {
                let runs = Self.json(try Self.curl(s.base + "/v1/runs?model=doubled").1)["runs"] as? [[String: Any]]
                return runs?.first?["trigger"] as? String == "dependency"
                    && runs?.first?["status"] as? String == "succeeded"
            }, "the dependent model ran with trigger dependency")

        // 50 triggers at once of a model not running: one run.
        let burst = try Self.python(["burst", s.base + "/v1/models/slow/runs", Self.token, "50"]) as? [[Any]]
        let statuses = burst?.compactMap { $0.first as? Int } ?? []
        #expect(statuses.count == 50 && statuses.allSatisfy { $0 == 202 }, "\(String(describing: burst))")
        let ids = Set(burst?.compactMap { Self.json($0.last as? String ?? "")["run"] as? String } ?? [])
        #expect(ids.count == 1, "every trigger joined one run: \(ids)")
        #expect(
            try Self.waitFor(10) {
                Self.json(try Self.curl(s.base + "/v1/runs/\(ids.first!)").1)["status"] as? String == "running"
            })
        let refused = try Self.curl(s.base + "/v1/models/slow/runs", ["-X", "POST", "-d", "{\"queue\": false}"])
        #expect(refused.0 == 409 && Self.json(refused.1)["running"] as? String == ids.first, "\(refused)")
        #expect(
            try Self.waitFor(20) {
                Self.json(try Self.curl(s.base + "/v1/runs/\(ids.first!)").1)["status"] as? String == "succeeded"
            })
        let slowRuns = Self.json(try Self.curl(s.base + "/v1/runs?model=slow").1)["runs"] as? [[String: Any]]
        #expect(
            slowRuns?.count == 1 && slowRuns?.first?["trigger"] as? String == "api", "\(String(describing: slowRuns))")
    }

    @Test func badRequestsGetTheirStatusAndTheServiceKeepsRunning() throws {
        let s = try Service()
        let trigger = s.base + "/v1/models/ltv/runs"
        #expect(try Self.curl(s.base + "/v1/models/nope/runs", ["-X", "POST"]).0 == 404)
        #expect(try Self.curl(trigger, ["-X", "POST", "-d", "{not json"]).0 == 400)
        #expect(try Self.curl(trigger, ["-X", "POST", "-d", "{\"full\": 1}"]).0 == 400)
        #expect(try Self.curl(trigger, ["-X", "POST", "-d", "{\"fast\": true}"]).0 == 400)
        #expect(try Self.curl(trigger, ["-X", "GET"]).0 == 405)
        let big = FileManager.default.temporaryDirectory.appendingPathComponent("ws-big-\(UUID().uuidString)")
        try Data(count: 10 << 20).write(to: big)
        defer { try? FileManager.default.removeItem(at: big) }
        #expect(try Self.curl(trigger, ["-X", "POST", "--data-binary", "@\(big.path)"]).0 == 413)
        // Refused on the headers: the body is never read.
        #expect(try Self.curl(trigger, ["-X", "POST", "--data-binary", "@\(big.path)"], token: nil).0 == 401)
        // A NUL in the path does not cut the key short.
        #expect(try Self.curl(s.base + "/v1/profiles/a%00junk").0 == 404)
        #expect(try Self.curl(s.base + "/v1/profiles/a").0 == 200)
        // A session cookie reads, but never triggers a run.
        let signIn = try Self.curl(s.base + "/?token=\(Self.token)", ["-i"], token: nil).1
        let cookie = try #require(
            signIn.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") }?
                .split(separator: ";").first?.split(separator: " ").last.map(String.init))
        #expect(try Self.curl(s.base + "/v1/status", ["-H", "Cookie: \(cookie)"], token: nil).0 == 200)
        #expect(try Self.curl(trigger, ["-X", "POST", "-H", "Cookie: \(cookie)"], token: nil).0 == 401)
        let wrong = try Self.curl(s.base + "/?token=not-the-token", ["-i"], token: nil)
        #expect(wrong.0 == 401 && wrong.1.contains("WWW-Authenticate: Bearer"), "\(wrong)")
        // 1,000 connections at once, four times the connection limit: the rest wait in the listen
        // queue and each request is answered.
        let answered = try Self.python(["connections", s.base + "/v1/status", Self.token, "1000"]) as? [String: Int]
        #expect(answered == ["200": 1000], "\(String(describing: answered))")
        #expect(try Self.curl(s.base + "/v1/status").0 == 200, "the service answers after 1,000 connections")
        #expect(s.serve.process.isRunning)
    }

    /// A run of another process (a sync by hand) counts as running for a trigger too: one that may
    /// not queue is refused with that run's id; one that may waits for it and runs after it, under
    /// the id it was answered with and with trigger api.
    @Test func aTriggerWhileAnotherProcessRunsTheModel() throws {
        let s = try Service()
        let byHand = try ToolProcess(project: s.directory, ["sync", "slow", "--full"])
        defer { _ = byHand.wait(timeout: 30) }
        let activeSQL =
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep%' AND state = 'active' "
            + "AND pid <> pg_backend_pid()"
        #expect(try Self.waitFor(20) { try s.warehouse.execute(activeSQL).text(0, 0) == "1" })
        let refused = try Self.curl(s.base + "/v1/models/slow/runs", ["-X", "POST", "-d", "{\"queue\": false}"])
        #expect(refused.0 == 409, "\(refused)")
        let running = try #require(Self.json(refused.1)["running"] as? String)
        let queued = try Self.curl(s.base + "/v1/models/slow/runs", ["-X", "POST", "-d", "{\"full\": true}"])
        #expect(queued.0 == 202, "\(queued)")
        let id = try #require(Self.json(queued.1)["run"] as? String)
        #expect(byHand.wait(timeout: 30) == 0)
        #expect(
            try Self.waitFor(30) {
                let run = Self.json(try Self.curl(s.base + "/v1/runs/\(id)").1)
                return run["status"] as? String == "succeeded" && run["trigger"] as? String == "api"
            }, "the follow-up ran after the run by hand, under its own id")
        let runs = Self.json(try Self.curl(s.base + "/v1/runs?model=slow&limit=5").1)["runs"] as? [[String: Any]]
        #expect(runs?.contains { $0["id"] as? String == running && $0["trigger"] as? String == "manual" } == true)
    }

    /// The dashboard's layout in headless Chromium at a laptop's and a phone's width: the page never
    /// scrolls sideways, each model's card and chart fits, and the header says the service is
    /// unhealthy because a model is held, naming it. The page itself runs no script (its CSP allows
    /// none): a copy of its HTML, with a measuring script added, is shown in a frame of that width
    /// (headless Chromium's window is at least 500 pixels wide) on a page of the same origin.
    @Test(arguments: [1400, 400])
    func theDashboardFitsALaptopAndAPhone(width: Int) throws {
        let s = try Service()
        let (status, page) = try Self.curl(s.base + "/")
        #expect(status == 200)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let measure = """
            <script>
            const viewport = window.innerWidth;
            const wide = [...document.querySelectorAll("section, svg, .facts, .error, h1, .health")]
              .filter(e => e.getBoundingClientRect().right > viewport + 1).map(e => e.tagName + "." + e.className);
            const charts = [...document.querySelectorAll("svg")].map(e => Math.round(e.getBoundingClientRect().width));
            const result = {viewport, scroll: document.documentElement.scrollWidth, wide,
              narrowest: Math.min(...charts), charts: charts.length,
              health: document.getElementById("health").className, text: document.getElementById("health").textContent};
            parent.document.getElementById("measure").textContent = JSON.stringify(result);
            </script></body>
            """
        try page.replacingOccurrences(of: "</body>", with: measure).write(
            to: directory.appendingPathComponent("dashboard.html"), atomically: true, encoding: .utf8)
        try """
        <!doctype html><html><body style="margin:0"><pre id="measure"></pre>
        <iframe src="dashboard.html" style="width:\(width)px;height:900px;border:0"></iframe></body></html>
        """.write(to: directory.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        let (pages, port) = try BrowserAttackTests.servePages(directory)
        defer { BrowserAttackTests.stop(pages) }
        let url = "http://127.0.0.1:\(port)/index.html"
        let dom = try BrowserAttackTests.chromium(url, extra: ["--window-size=\(max(width, 500) + 40),960"])
        let json = try #require(dom.range(of: "<pre id=\"measure\">").map { dom[$0.upperBound...] })
        let text = String(json[..<(json.range(of: "</pre>")?.lowerBound ?? json.endIndex)])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
        let result = Self.json(text)
        #expect(result["viewport"] as? Int == width, "\(result)")
        #expect((result["scroll"] as? Int ?? .max) <= width, "the page scrolls sideways: \(result)")
        #expect((result["wide"] as? [String])?.isEmpty == true, "wider than the window: \(result)")
        #expect((result["charts"] as? Int ?? 0) >= 12, "three charts a model: \(result)")
        #expect((result["narrowest"] as? Int ?? 0) >= min(240, width - 60), "a chart too narrow to read: \(result)")
        #expect(result["health"] as? String == "health unhealthy", "\(result)")
        #expect((result["text"] as? String)?.contains("model held is held") == true, "\(result)")
        // Kept for a person to look at: the screenshot at this width.
        _ = try BrowserAttackTests.chromium(
            url, extra: ["--window-size=\(max(width, 500) + 40),960", "--screenshot=/tmp/ws-dashboard-\(width).png"])
    }

    @Test func eachRunHasAPage() throws {
        let s = try Service()
        let runs = Self.json(try Self.curl(s.base + "/v1/runs?model=held&limit=1").1)["runs"] as? [[String: Any]]
        let id = try #require(runs?.first?["id"] as? String)
        let (status, page) = try Self.curl(s.base + "/runs/\(id)")
        #expect(status == 200)
        #expect(
            page.contains("held: run \(id)") && page.contains("max_changed") && page.contains("rows_read"), "\(page)")
        #expect(!page.contains("<script"), "the key in the error is escaped")
        #expect(try Self.curl(s.base + "/runs/nope").0 == 404)
        #expect(try Self.curl(s.base + "/runs/\(id)", token: nil).0 == 401)
        let dashboard = try Self.curl(s.base + "/").1
        #expect(dashboard.contains("href=\"/runs/\(id)\""), "the dashboard links the run")
    }

    @Test func theDashboardRendersInAHeadlessBrowserWithEveryValueEscaped() throws {
        let s = try Service()
        let dom = try BrowserAttackTests.chromium("\(s.base)/?token=\(Self.token)")
        for model in ["doubled", "held", "ltv", "slow"] { #expect(dom.contains("id=\"model-\(model)\""), "\(model)") }
        #expect(dom.contains("<svg") && dom.contains("<rect"), "the charts are drawn")
        #expect(
            dom.contains("rows changed per run") && dom.contains("duration per run") && dom.contains("cost per run"))
        // cost's figures (docs/cost.md): runs in 30 days and the mean run's measure with its monthly projection.
        let heldSection = try #require(
            dom.range(of: "id=\"model-held\"").map { String(dom[$0.lowerBound...].prefix(4000)) })
        #expect(heldSection.contains("30 days: 2 runs, 0 skipped"), "\(heldSection)")
        #expect(
            heldSection.contains("mean planner_total_cost: ") && heldSection.contains("projected a month (0 runs)"),
            "\(heldSection)")
        // The held model comes first and its message shows the key as text.
        let held = try #require(dom.range(of: "id=\"model-held\""))
        let ltv = try #require(dom.range(of: "id=\"model-ltv\""))
        #expect(held.lowerBound < ltv.lowerBound)
        #expect(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the key shows as text")
        #expect(!dom.lowercased().contains("<script"), "no value became an element")
    }
}

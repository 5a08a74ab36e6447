import Foundation
import TestSupport
import Testing

@testable import Drivers
@testable import SyncCore
@testable import WarehouseSync

/// What a web page of another site can make a browser do to `serve` listening on 127.0.0.1
/// without a token: nothing. Tried in headless Chromium from a page of another origin, and
/// with raw requests that forge what a browser would send.
@Suite(.serialized) struct BrowserAttackTests {
    /// `serve` on 127.0.0.1 without a token over a SQLite warehouse and store, with one synced
    /// manual model `ltv` (20 profiles) whose `max_removed` a forced run would lift.
    final class OpenService {
        let directory: URL
        let serve: ToolProcess
        let port: Int

        init() throws {
            directory = try sqliteServeProject(
                warehouseSQL: "CREATE TABLE t (id TEXT, email TEXT); WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL "
                    + "SELECT n + 1 FROM g WHERE n < 20) "
                    + "INSERT INTO t SELECT 'k' || n, 'user' || n || '@example.com' FROM g",
                models: ["ltv": "-- key: id\n-- max_removed: 10%\nSELECT id, email FROM t\n"])
            #expect(try ToolProcess(project: directory, ["sync", "ltv"]).wait(timeout: 60) == 0)
            // Most rows gone: only a forced run would remove their profiles.
            let warehouse = try SQLiteDatabase(path: directory.appendingPathComponent("wh.db").path)
            try warehouse.execute("DELETE FROM t WHERE id <> 'k1' AND id <> 'k2'")
            serve = try ToolProcess(project: directory, ["serve"])
            var found: Int?
            let deadline = Date().addingTimeInterval(30)
            while found == nil && Date() < deadline {
                found = ServeAPITests.Service.port(in: serve.stderr)
                if found == nil { Thread.sleep(forTimeInterval: 0.1) }
            }
            port = try #require(found, "serve did not start: \(serve.stderr)")
        }

        var base: String { "http://127.0.0.1:\(port)" }

        /// Runs recorded in the store, and profiles that still have traits.
        func counts() throws -> (runs: Int, profiles: Int) {
            let store = try SQLiteDatabase(path: directory.appendingPathComponent("state.db").path, readOnly: true)
            let runs = try store.prepare("SELECT count(*) FROM ws_runs")
            let profiles = try store.prepare("SELECT count(*) FROM profiles WHERE traits <> '{}'")
            _ = try runs.step()
            _ = try profiles.step()
            return (Int(runs.int64(0)), Int(profiles.int64(0)))
        }

        deinit {
            serve.signal(SIGTERM)
            _ = serve.wait(timeout: 15)
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// The attacker's page, served by Python's http.server on another port of 127.0.0.1 (another
    /// origin): it tries a simple cross-site POST, a JSON POST (which needs a CORS preflight) and
    /// a read, and writes what each got into the page.
    static func attackPage(target: String) -> String {
        """
        <!doctype html><html><body><pre id="out">pending</pre><script>
        const out = [];
        async function attempt(name, run) {
          try { out.push(name + ": " + await run()); } catch (e) { out.push(name + ": blocked " + e.name); }
        }
        (async () => {
          await attempt("text-post", async () => (await fetch("\(target)/v1/models/ltv/runs",
            {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: '{"force":true}'})).type);
          await attempt("form-post", async () => (await fetch("\(target)/v1/models/ltv/runs",
            {method: "POST", mode: "no-cors", body: new URLSearchParams({force: "true"})})).type);
          await attempt("json-post", async () => (await fetch("\(target)/v1/models/ltv/runs",
            {method: "POST", headers: {"Content-Type": "application/json"}, body: '{"force":true}'})).status);
          await attempt("read", async () => await (await fetch("\(target)/v1/profiles/k1")).text());
          document.getElementById("out").textContent = "done\\n" + out.join("\\n");
        })();
        </script></body></html>
        """
    }

    /// Serves the files of `directory` over HTTP on a port of 127.0.0.1 of its own (another origin
    /// than `serve`'s): Python's http.server. Returns the process and the port.
    static func servePages(_ directory: URL) throws -> (Process, Int) {
        let pages = Process()
        pages.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let port = 20_000 + Int.random(in: 0..<20_000)
        pages.arguments = ["python3", "-m", "http.server", "--bind", "127.0.0.1", "\(port)", "-d", directory.path]
        pages.standardOutput = FileHandle.nullDevice
        pages.standardError = FileHandle.nullDevice
        try pages.run()
        Thread.sleep(forTimeInterval: 1)
        return (pages, port)
    }

    /// Ends the page server: SIGKILL, since it may have inherited an ignored SIGTERM.
    static func stop(_ pages: Process) {
        kill(pages.processIdentifier, SIGKILL)
        pages.waitUntilExit()
    }

    /// Loads `url` in headless Chromium and returns the DOM once the page's scripts settled.
    static func chromium(_ url: String, extra: [String] = []) throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("ws-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                "--virtual-time-budget=10000", "--dump-dom",
            ] + extra + [url]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return dom
    }

    @Test func aPageOfAnotherOriginCanNeitherTriggerARunNorReadAProfile() throws {
        let s = try OpenService()
        let site = FileManager.default.temporaryDirectory.appendingPathComponent("ws-site-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: site) }
        try Self.attackPage(target: s.base).write(
            to: site.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        let (pages, pagePort) = try Self.servePages(site)
        defer { BrowserAttackTests.stop(pages) }

        let before = try s.counts()
        let dom = try Self.chromium("http://127.0.0.1:\(pagePort)/index.html")
        #expect(dom.contains("done"), "the page ran: \(dom)")
        #expect(dom.contains("json-post: blocked"), "the preflight failed: \(dom)")
        #expect(dom.contains("read: blocked"), "the profile was not readable: \(dom)")
        #expect(!dom.contains("user1@example.com"), "\(dom)")
        Thread.sleep(forTimeInterval: 2)  // a queued run would start within the coalesce window
        #expect(try s.counts() == before, "no run was started and no profile removed")
        #expect(!s.serve.stderr.contains("run_queued"), "\(s.serve.stderr)")
    }

    @Test func aRebindingPageIsRefusedForItsHostName() throws {
        let s = try OpenService()
        // The page's own name resolves to 127.0.0.1, as after a DNS rebinding: same origin, foreign Host.
        let dom = try Self.chromium(
            "http://rebind.attacker.test:\(s.port)/v1/profiles/k1",
            extra: ["--host-resolver-rules=MAP rebind.attacker.test 127.0.0.1"])
        #expect(dom.contains("does not answer for the host rebind.attacker.test"), "\(dom)")
        #expect(!dom.contains("user1@example.com"), "\(dom)")
    }

    @Test func rawRequestsAreJudgedByHostOriginAndContentType() throws {
        let s = try OpenService()
        let trigger = s.base + "/v1/models/ltv/runs"
        func curl(_ url: String, _ extra: [String]) throws -> Int {
            try ServeAPITests.curl(url, extra, token: nil, asJSON: false).0
        }
        let json = ["-H", "Content-Type: application/json"]
        #expect(s.serve.stdout.contains("the dashboard and API: http://127.0.0.1:\(s.port)/"), "serve says where")
        // Host: only this server's names.
        #expect(try curl(s.base + "/v1/profiles/k1", ["-H", "Host: attacker.example"]) == 421)
        #expect(try curl(s.base + "/v1/profiles/k1", ["-H", "Host: attacker.example:\(s.port)"]) == 421)
        #expect(try curl(s.base + "/healthz", ["-H", "Host: 127.0.0.1.nip.io"]) == 421)
        #expect(try curl(s.base + "/healthz", ["-H", "Host: [::1]evil.example"]) == 421)
        #expect(try curl(s.base + "/healthz", ["-H", "Host: [::1]:\(s.port)"]) == 200)
        #expect(try curl(s.base + "/v1/profiles/k1", ["-H", "Host: localhost:\(s.port)"]) == 200)
        #expect(try curl(s.base + "/v1/profiles/k1", []) == 200)
        // State changes: JSON only, and never from a foreign origin or another site.
        #expect(try curl(trigger, ["-X", "POST", "-H", "Content-Type: text/plain", "-d", "{\"force\":true}"]) == 415)
        #expect(try curl(trigger, ["-X", "POST", "-d", "force=true"]) == 415)
        #expect(try curl(trigger, ["-X", "POST"]) == 415)
        #expect(try curl(trigger, ["-X", "POST", "-H", "Origin: http://evil.example"] + json + ["-d", "{}"]) == 403)
        #expect(try curl(trigger, ["-X", "POST", "-H", "Origin: null"] + json + ["-d", "{}"]) == 403)
        #expect(
            try curl(trigger, ["-X", "POST", "-H", "Origin: http://127.0.0.1:\(s.port + 1)"] + json + ["-d", "{}"])
                == 403)
        #expect(try curl(trigger, ["-X", "POST", "-H", "Sec-Fetch-Site: cross-site"] + json + ["-d", "{}"]) == 403)
        #expect(try s.counts().runs == 1, "none of the refused triggers started a run")
        // A same-origin page and a client without Origin (curl, a CI job) may trigger.
        #expect(try curl(trigger, ["-X", "POST", "-H", "Origin: \(s.base)"] + json + ["-d", "{}"]) == 202)
        #expect(try curl(trigger, ["-X", "POST"] + json) == 202)
    }
}

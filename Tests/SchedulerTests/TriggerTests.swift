import Foundation
import Testing

@testable import Drivers
@testable import SyncCore
@testable import WarehouseSync

/// The API's triggers as scheduler decisions (docs/http-api.md), with an injected clock: a burst joins one
/// queued run, which waits `coalesceWindow`; a trigger during a run queues one follow-up, or is
/// refused with `queue: false`.
@Suite struct TriggerTests {
    static let t0 = instant("2024-06-03T10:00:00Z")

    func core() throws -> SchedulerCore {
        SchedulerCore(
            models: [
                ScheduledModel(name: "ltv", schedule: .manual, timeZone: utc, source: "wh"),
                ScheduledModel(name: "churn", schedule: try Schedule(parsing: "hourly"), timeZone: utc, source: "wh"),
            ], lastFire: ["churn": Self.t0], maxConcurrentRuns: 4, maxConcurrentPerSource: ["wh": 4],
            startedAt: Self.t0, random: { 0.5 })
    }

    @Test func aBurstOfTriggersStartsOneRunAfterTheWindow() throws {
        var c = try core()
        let (first, actions) = c.trigger(
            model: "ltv", request: RunRequest(runID: "r1"), queue: true, now: Self.t0)
        #expect(first == .queued(runID: "r1") && actions.isEmpty, "it waits for more triggers")
        for i in 2...50 {
            let (result, more) = c.trigger(
                model: "ltv", request: RunRequest(full: i == 7, runID: "r\(i)"), queue: true,
                now: Self.t0.addingTimeInterval(Double(i) / 200))
            #expect(result == .joined(runID: "r1") && more.isEmpty)
        }
        #expect(c.nextWakeup() == Self.t0.addingTimeInterval(SchedulerCore.coalesceWindow))
        #expect(c.tick(now: Self.t0.addingTimeInterval(0.4)).isEmpty)
        let started = c.tick(now: Self.t0.addingTimeInterval(SchedulerCore.coalesceWindow))
        #expect(
            started == [.start(model: "ltv", trigger: .api, attempt: 0, request: RunRequest(full: true, runID: "r1"))])
    }

    @Test func aTriggerDuringARunQueuesOneFollowUpOrIsRefused() throws {
        var c = try core()
        _ = c.trigger(model: "ltv", request: RunRequest(runID: "r1"), queue: true, now: Self.t0)
        _ = c.tick(now: Self.t0.addingTimeInterval(1))
        #expect(c.running["ltv"] != nil)
        let (refused, none) = c.trigger(model: "ltv", request: RunRequest(runID: "r2"), queue: false, now: Self.t0)
        #expect(refused == .running && none.isEmpty)
        let (queued, _) = c.trigger(model: "ltv", request: RunRequest(runID: "r3"), queue: true, now: Self.t0)
        #expect(queued == .queued(runID: "r3"))
        #expect(c.tick(now: Self.t0.addingTimeInterval(5)).isEmpty, "the follow-up waits for the running run")
        let next = c.finished(model: "ltv", .succeeded, now: Self.t0.addingTimeInterval(6))
        #expect(next == [.start(model: "ltv", trigger: .api, attempt: 0, request: RunRequest(runID: "r3"))])
        #expect(c.trigger(model: "nope", request: RunRequest(), queue: true, now: Self.t0).0 == .unknownModel)
    }

    @Test func aTriggerThatMayNotQueueIsRefusedEvenWhenAFollowUpIsAlreadyQueued() throws {
        var c = try core()
        _ = c.trigger(model: "ltv", request: RunRequest(runID: "r1"), queue: true, now: Self.t0)
        _ = c.tick(now: Self.t0.addingTimeInterval(1))
        let (queued, _) = c.trigger(model: "ltv", request: RunRequest(runID: "r2"), queue: true, now: Self.t0)
        #expect(queued == .queued(runID: "r2"))
        let (refused, none) = c.trigger(
            model: "ltv", request: RunRequest(full: true, runID: "r3"), queue: false, now: Self.t0)
        #expect(refused == .running && none.isEmpty)
        let next = c.finished(model: "ltv", .succeeded, now: Self.t0.addingTimeInterval(6))
        #expect(
            next == [.start(model: "ltv", trigger: .api, attempt: 0, request: RunRequest(runID: "r2"))],
            "the refused trigger changed nothing of the queued run")
    }

    @Test func aTriggerThatMayNotQueueJoinsARunQueuedWhileNothingRuns() throws {
        var c = try core()
        _ = c.trigger(model: "ltv", request: RunRequest(runID: "r1"), queue: true, now: Self.t0)
        let (joined, _) = c.trigger(model: "ltv", request: RunRequest(runID: "r2"), queue: false, now: Self.t0)
        #expect(joined == .joined(runID: "r1"))
    }

    @Test func theTokenIsComparedInFullAndABrowserGetsASession() {
        #expect(BearerAuth.constantTimeEqual("abc", "abc"))
        #expect(!BearerAuth.constantTimeEqual("abc", "abd"))
        #expect(!BearerAuth.constantTimeEqual("abc", "abcd") && !BearerAuth.constantTimeEqual("", "a"))
        let auth = BearerAuth(token: Secret("0123456789abcdef"))
        #expect(auth.allows(authorization: "Bearer 0123456789abcdef", cookie: nil))
        #expect(auth.allows(authorization: "bearer 0123456789abcdef", cookie: nil))
        #expect(!auth.allows(authorization: "Bearer 0123456789abcdeF", cookie: nil))
        #expect(!auth.allows(authorization: nil, cookie: "guess"))
        #expect(auth.session(for: "wrong") == nil)
        let session = auth.session(for: "0123456789abcdef")
        #expect(session.map { auth.allows(authorization: nil, cookie: $0) } == true)
        #expect(session?.contains("0123456789abcdef") == false, "the cookie is not the token")
        #expect(BearerAuth(token: nil).allows(authorization: nil, cookie: nil))
    }

    @Test func triggerBodiesAreStrict() throws {
        #expect(try TriggerBody.parse([]).queue == true)
        #expect(try TriggerBody.parse(Array(" \n".utf8)).full == false)
        let parsed = try TriggerBody.parse(Array(#"{"full": true, "queue": false}"#.utf8))
        #expect(parsed.full && !parsed.queue && !parsed.force)
        for bad in [#"{"full": 1}"#, #"{"fast": true}"#, "[true]", "{", #""full""#, #"{"force": null}"#] {
            #expect(throws: APIError.self, "\(bad)") { try TriggerBody.parse(Array(bad.utf8)) }
        }
    }

    @Test func serverConfigRefusesAnOpenAddressWithoutAToken() throws {
        func parse(_ server: String, _ env: [String: String] = [:]) -> (ServerConfig?, [String]) {
            let text =
                "[store]\nurl = \"sqlite:s.db\"\n[sources.wh]\nkind = \"sqlite\"\npath = \"w.db\"\n[server]\n" + server
            let (config, errors) = ProjectConfig.loadCollecting(
                text: text, file: "warehouse-sync.toml", environment: env)
            return (config?.server, errors.map { $0.description })
        }
        #expect(parse("listen = \"127.0.0.1:8080\"\n").0?.port == 8080)
        #expect(parse("listen = \"[::1]:9000\"\n").0?.host == "::1")
        #expect(parse("listen = \"localhost:0\"\n").0?.host == "127.0.0.1")
        let open = parse("listen = \"0.0.0.0:8080\"\n")
        #expect(open.0 == nil && open.1.contains { $0.contains("without a token") && $0.contains(":6") }, "\(open.1)")
        #expect(parse("listen = \"0.0.0.0:8080\"\ntoken = \"${T}\"\n", ["T": "0123456789abcdef"]).0?.token != nil)
        #expect(parse("token = \"short\"\n").1.contains { $0.contains("shorter than 16") })
        #expect(parse("listen = \"example.com:80\"\n").1.contains { $0.contains("invalid listen address") })
        #expect(parse("listen = \"127.0.0.1:99999\"\n").1.contains { $0.contains("invalid listen address") })
        #expect(parse("lisen = \"127.0.0.1:80\"\n").1.contains { $0.contains("did you mean listen") })
    }

    @Test func htmlEscapingCoversTextAndAttributes() {
        #expect(
            escape("<script>alert('x') & \"y\"</script>")
                == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
        #expect(escape("plain ü") == "plain ü")
    }
}

/// `schedule: after MODEL` (docs/http-api.md): chains run after each success, never after a failure, and
/// a missing model or a cycle is a validation error naming the files.
@Suite struct DependencyTests {
    static let t0 = instant("2024-06-03T10:00:00Z")

    @Test func aChainRunsAfterEachSuccess() throws {
        var c = SchedulerCore(
            models: [
                ScheduledModel(name: "a", schedule: try Schedule(parsing: "hourly"), timeZone: utc, source: "wh"),
                ScheduledModel(name: "b", schedule: try Schedule(parsing: "after a"), timeZone: utc, source: "wh"),
                ScheduledModel(name: "c", schedule: try Schedule(parsing: "after b"), timeZone: utc, source: "wh"),
            ], lastFire: ["a": Self.t0], maxConcurrentRuns: 4, maxConcurrentPerSource: ["wh": 4], startedAt: Self.t0,
            random: { 0.5 })
        #expect(c.nextDue("b") == nil && c.nextDue("c") == nil, "a dependent never fires on the clock")
        let hour = Self.t0.addingTimeInterval(3600)
        #expect(c.tick(now: hour).contains(.start(model: "a", trigger: .schedule, attempt: 0)))
        #expect(c.finished(model: "a", .succeeded, now: hour) == [.start(model: "b", trigger: .dependency, attempt: 0)])
        #expect(c.finished(model: "b", .succeeded, now: hour) == [.start(model: "c", trigger: .dependency, attempt: 0)])
        #expect(c.finished(model: "c", .succeeded, now: hour).isEmpty)
        let next = hour.addingTimeInterval(3600)
        _ = c.tick(now: next)
        #expect(
            c.finished(model: "a", .failed(transient: false), now: next).isEmpty, "a failed or held run starts nothing")
        // A run skipped because its own tables did not change still starts its dependents: they may
        // read other tables, and their own probe decides whether they run.
        let third = next.addingTimeInterval(3600)
        _ = c.tick(now: third)
        #expect(
            c.finished(model: "a", .unchanged, now: third) == [.start(model: "b", trigger: .dependency, attempt: 0)])
        #expect(try Schedule(parsing: "after lifetime_value").description == "after lifetime_value")
        #expect(throws: ScheduleError.self) { try Schedule(parsing: "after") }
        #expect(throws: ScheduleError.self) { try Schedule(parsing: "after a b") }
    }

    @Test func missingModelsAndCyclesAreValidationErrors() throws {
        func model(_ name: String, _ schedule: String) throws -> Model {
            var m = try Model.parse(
                text: "-- key: k\n-- schedule: \(schedule)\nSELECT 1 AS k, 2 AS \(name)_v\n", file: "models/\(name).sql"
            )
            m.source = "wh"
            return m
        }
        let missing = Project.dependencyProblems([try model("a", "after nope"), try model("b", "hourly")])
        #expect(
            missing.map(\.description) == [
                "models/a.sql:2: schedule: after nope: there is no model nope\n  hint: the models are a, b"
            ])
        let cycle = Project.dependencyProblems([
            try model("a", "after c"), try model("b", "after a"), try model("c", "after b"), try model("d", "after a"),
        ])
        #expect(cycle.count == 1)
        #expect(
            cycle.first?.description.contains(
                "schedule: after makes a cycle: a (models/a.sql) → c (models/c.sql) → b (models/b.sql) → a "
                    + "(models/a.sql)")
                == true, "\(cycle)")
        let selfCycle = Project.dependencyProblems([try model("a", "after a")])
        #expect(selfCycle.first?.description.contains("a (models/a.sql) → a (models/a.sql)") == true)
        #expect(Project.dependencyProblems([try model("a", "hourly"), try model("b", "after a")]).isEmpty)
    }
}

/// `formatInstant` (the C library's calendar fields) against Foundation's ISO 8601 formatter.
@Suite struct InstantFormatTests {
    @Test func formatInstantAgreesWithFoundation() {
        let reference = ISO8601DateFormatter()
        reference.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        let samples =
            [-2_208_988_800.0, -0.5, 0, 0.999, 951_782_400, 1_800_000_000.75, 7_258_118_399]
            + (0..<2000).map { _ in Double.random(in: -2_208_988_800...7_258_118_399, using: &generator) }
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(formatInstant(date) == reference.string(from: date), "\(seconds)")
        }
    }
}

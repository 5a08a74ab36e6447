import Foundation
import Testing

@testable import SyncCore
@testable import WarehouseSync

/// The alert rules without I/O (docs/alerts.md): states send once per change, single-run conditions
/// once per onset, with thresholds from the policy and the model's own history.
@Suite struct AlertRulesTests {
    static let t0 = instant("2024-06-03T10:00:00Z")

    func run(
        _ n: Int, _ status: RunRecord.Status, seconds: Double = 10, rows: Int = 1000, changed: Int = 10,
        cost: Double? = nil
    ) -> RunRecord {
        var r = RunRecord(
            id: "r\(n)", model: "m", source: "wh", trigger: .schedule, status: status,
            startedAt: Self.t0.addingTimeInterval(Double(n) * 3600))
        r.finishedAt = r.startedAt.addingTimeInterval(seconds)
        r.rowsRead = rows
        r.counts.changed = status == .succeeded ? changed : 0
        r.cost = cost.map { ["planner_total_cost": $0] }
        if status == .failed { r.error = "relation \"src\" does not exist" }
        return r
    }

    /// Feeds the runs in order, each with the ones before it as history; returns the conditions sent.
    func feed(_ runs: [RunRecord], policy: AlertPolicy) -> [String] {
        var tracker = AlertTracker(policy: policy)
        var sent: [String] = []
        for (i, r) in runs.enumerated() {
            sent += tracker.runEnded(r, previous: runs[..<i].reversed()).map {
                "\($0.run ?? ""):\($0.condition.rawValue)"
            }
        }
        return sent
    }

    @Test func statesAreSentOnceEachAndRecoveryOnce() {
        let all = AlertPolicy(on: Set(AlertCondition.allCases))
        let runs = [
            run(1, .succeeded), run(2, .failed), run(3, .failed), run(4, .failed), run(5, .succeeded),
            run(6, .blocked), run(7, .blocked), run(8, .succeeded), run(9, .succeeded),
        ]
        #expect(feed(runs, policy: all) == ["r2:failed", "r5:recovered", "r6:blocked", "r8:recovered"])
        var patient = all
        patient.failuresBeforeAlert = 3
        #expect(feed(Array(runs.prefix(5)), policy: patient) == ["r4:failed", "r5:recovered"])
        #expect(feed([run(1, .failed), run(2, .succeeded)], policy: AlertPolicy(on: [.failed])) == ["r1:failed"])
        var tracker = AlertTracker(policy: all)
        let stale = tracker.check(
            model: "m", lastSuccess: Self.t0, period: 3600, since: Self.t0, now: Self.t0.addingTimeInterval(7300))
        #expect(stale.map(\.condition) == [.stale])
        #expect(
            tracker.check(
                model: "m", lastSuccess: Self.t0, period: 3600, since: Self.t0, now: Self.t0.addingTimeInterval(9000)
            ).isEmpty, "stale once")
        #expect(tracker.runEnded(run(3, .succeeded), previous: []).map(\.condition) == [.recovered])
        var manual = AlertTracker(policy: all)
        #expect(
            manual.check(
                model: "m", lastSuccess: nil, period: nil, since: Self.t0, now: Self.t0.addingTimeInterval(1e6)
            ).isEmpty, "a manual model is never stale")
    }

    @Test func staleWaitsForFailuresBeforeAlertAndBusyModelsAndEditsKeepTheState() {
        var patient = AlertPolicy(on: Set(AlertCondition.allCases))
        patient.failuresBeforeAlert = 3
        var tracker = AlertTracker(policy: patient)
        #expect(tracker.runEnded(run(1, .failed), previous: []).isEmpty)
        let later = Self.t0.addingTimeInterval(10 * 3600)
        #expect(
            tracker.check(model: "m", lastSuccess: Self.t0, period: 3600, since: Self.t0, now: later).isEmpty,
            "a model failing below failures_before_alert is not called stale")
        #expect(tracker.runEnded(run(2, .succeeded), previous: []).isEmpty, "nothing was sent, so nothing recovers")
        #expect(
            tracker.check(model: "m", lastSuccess: Self.t0, period: 3600, since: Self.t0, now: later, busy: true)
                .isEmpty, "a model that runs or waits for a slot is not stale")
        var edited = AlertTracker(policy: AlertPolicy(on: [.failed]))
        #expect(edited.runEnded(run(1, .failed), previous: []).count == 1)
        edited.policy.maxDuration = .seconds(3600)
        #expect(edited.runEnded(run(2, .failed), previous: []).isEmpty, "a threshold edit does not re-send")
    }

    @Test func anAlertURLBlanksItsCredentialNotItsHost() {
        let (config, errors) = ProjectConfig.loadCollecting(
            text: "[store]\nurl = \"sqlite:s.db\"\n[sources.wh]\nkind = \"sqlite\"\npath = \"w.db\"\n"
                + "[alerts.chat]\nkind = \"slack\"\nurl = \"${HOOK}\"\n",
            file: "warehouse-sync.toml",
            environment: ["HOOK": "http://127.0.0.1:18082/services/T0000/B0000/XyZsecretTokenValue123"])
        #expect(errors.isEmpty, "\(errors)")
        let redactor = config?.secrets ?? SecretRedactor()
        #expect(
            redactor.redact("server_started http://127.0.0.1:18082 services_daily hooks")
                == "server_started http://127.0.0.1:18082 services_daily hooks")
        #expect(!redactor.redact("posting to XyZsecretTokenValue123").contains("secretToken"))
    }

    @Test func singleRunConditionsUseThePolicyAndTheHistory() {
        let all = AlertPolicy(on: Set(AlertCondition.allCases))
        let steady = (1...6).map { run($0, .succeeded, cost: 100) }
        #expect(feed(steady + [run(7, .succeeded, seconds: 31)], policy: all) == ["r7:slow"], "over 3× the median")
        #expect(feed(steady + [run(7, .succeeded, seconds: 29)], policy: all).isEmpty)
        var capped = all
        capped.maxDuration = .seconds(5)
        #expect(feed([run(1, .succeeded, seconds: 6), run(2, .succeeded, seconds: 7)], policy: capped) == ["r1:slow"])
        #expect(feed(steady + [run(7, .succeeded, rows: 0, changed: 0)], policy: all).contains("r7:empty"))
        #expect(feed(steady + [run(7, .succeeded, changed: 201)], policy: all) == ["r7:changed_spike"])
        #expect(feed(steady + [run(7, .succeeded, changed: 200)], policy: all).isEmpty, "20% is not more than 20%")
        #expect(feed(steady + [run(7, .succeeded, cost: 301)], policy: all) == ["r7:cost_spike"])
        let again =
            steady + [
                run(7, .succeeded, cost: 400), run(8, .succeeded, cost: 500), run(9, .succeeded, cost: 100),
                run(10, .succeeded, cost: 900),
            ]
        #expect(feed(again, policy: all) == ["r7:cost_spike", "r10:cost_spike"], "again only after a normal run")
    }

    @Test func alertTablesAreCheckedWhenTheConfigIsRead() {
        func parse(_ table: String) -> (AlertConfig?, [String]) {
            let text = "[store]\nurl = \"sqlite:s.db\"\n[sources.wh]\nkind = \"sqlite\"\npath = \"w.db\"\n" + table
            let (config, errors) = ProjectConfig.loadCollecting(
                text: text, file: "warehouse-sync.toml", environment: ["HOOK": "https://hooks.slack.com/services/T/B/x"]
            )
            return (config?.alerts.values.first, errors.map { $0.description })
        }
        let slack = parse(
            "[alerts.chat]\nkind = \"slack\"\nurl = \"${HOOK}\"\non = [\"failed\", \"stale\"]\nmax_duration = \"5m\"\n")
        #expect(slack.0?.policy.on == [.failed, .stale] && slack.0?.policy.maxDuration == .seconds(300), "\(slack.1)")
        #expect(
            parse("[alerts.x]\nkind = \"email\"\nurl = \"https://a.b\"\n").1.contains {
                $0.contains("unknown alert kind email")
            })
        #expect(
            parse("[alerts.x]\nkind = \"webhook\"\nurl = \"https://a.b\"\non = [\"late\"]\n").1.contains {
                $0.contains("unknown alert condition late") && $0.contains("changed_spike")
            })
        #expect(parse("[alerts.x]\nkind = \"webhook\"\n").1.contains { $0.contains("alert x has no url") })
        #expect(
            parse("[alerts.x]\nkind = \"webhook\"\nurl = \"https://a.b\"\n").0?.policy.on
                == Set(AlertConfig.defaultConditions))
    }

    @Test func payloadsCarryTheFactsAndSlackTextIsEscaped() throws {
        let event = AlertEvent(
            condition: .failed, model: "m", run: "r1", status: "failed", message: "bad <value> & more", at: Self.t0)
        let webhook =
            try JSONSerialization.jsonObject(
                with: Data(AlertDispatcher.payload(.webhook, event, dashboard: "https://s.example/#model-m").utf8))
            as? [String: String]
        #expect(
            webhook == [
                "alert": "failed", "model": "m", "run": "r1", "status": "failed", "message": "bad <value> & more",
                "at": "2024-06-03T10:00:00Z", "dashboard_url": "https://s.example/#model-m",
            ])
        let slack =
            try JSONSerialization.jsonObject(with: Data(AlertDispatcher.payload(.slack, event, dashboard: nil).utf8))
            as? [String: String]
        #expect(slack?["text"] == ":red_circle: *m* failed: bad &lt;value&gt; &amp; more (run r1)")
    }
}

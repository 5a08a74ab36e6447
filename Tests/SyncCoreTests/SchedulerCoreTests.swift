import Foundation
import Testing

@testable import SyncCore

@Suite struct SchedulerCoreTests {
    static let t0 = instant("2024-06-03T10:00:00Z")  // a Monday

    func model(_ name: String, _ schedule: String, tz: TimeZone = utc, source: String = "wh") throws -> ScheduledModel {
        ScheduledModel(name: name, schedule: try Schedule(parsing: schedule), timeZone: tz, source: source)
    }

    func core(
        _ models: [ScheduledModel], lastFire: [String: Date] = [:], max: Int = 10, perSource: [String: Int] = ["wh": 10]
    ) -> SchedulerCore {
        SchedulerCore(
            models: models, lastFire: lastFire, maxConcurrentRuns: max, maxConcurrentPerSource: perSource,
            startedAt: Self.t0, random: { 0.5 })
    }

    static func starts(_ actions: [SchedulerAction]) -> [String] {
        actions.compactMap {
            if case .start(let m, let trigger, let attempt, _) = $0 {
                "\(m):\(trigger.rawValue):\(attempt)"
            } else {
                nil
            }
        }
    }

    @Test func dueTimesAcrossModelsAndTimezones() throws {
        var c = core([
            try model("hourly", "hourly"),
            try model("berlin", "daily at 12:30", tz: berlin),
            try model("ny", "daily at 06:15", tz: newYork),
            try model("fast", "every 15m"),
            try model("manual", "manual"),
        ])
        #expect(c.nextDue("hourly") == instant("2024-06-03T11:00:00Z"))
        #expect(c.nextDue("berlin") == instant("2024-06-03T10:30:00Z"))
        #expect(c.nextDue("ny") == instant("2024-06-03T10:15:00Z"))
        #expect(c.nextDue("fast") == instant("2024-06-03T10:15:00Z"))
        #expect(c.nextDue("manual") == nil)
        #expect(c.nextWakeup() == instant("2024-06-03T10:15:00Z"))
        #expect(c.tick(now: instant("2024-06-03T10:14:59Z")).isEmpty)
        let at1015 = c.tick(now: instant("2024-06-03T10:15:00Z"))
        #expect(Self.starts(at1015) == ["fast:schedule:0", "ny:schedule:0"])
        #expect(at1015.contains(.recordFire(model: "ny", at: instant("2024-06-03T10:15:00Z"))))
        #expect(c.nextDue("ny") == instant("2024-06-04T10:15:00Z"))
        #expect(c.nextWakeup() == instant("2024-06-03T10:30:00Z"))
    }

    @Test func aTickWhileRunningIsSkipped() throws {
        var c = core([try model("m", "every 15m")])
        #expect(Self.starts(c.tick(now: instant("2024-06-03T10:15:00Z"))) == ["m:schedule:0"])
        let second = c.tick(now: instant("2024-06-03T10:30:00Z"))
        #expect(Self.starts(second).isEmpty)
        #expect(second.contains { if case .skip(model: "m", _) = $0 { true } else { false } })
        _ = c.finished(model: "m", .succeeded, now: instant("2024-06-03T10:31:00Z"))
        #expect(Self.starts(c.tick(now: instant("2024-06-03T10:45:00Z"))) == ["m:schedule:0"])
    }

    @Test func aLongGapCatchesUpOnceNotOncePerTick() throws {
        var c = core([try model("m", "hourly")], lastFire: ["m": instant("2024-06-01T10:00:00Z")])
        let actions = c.tick(now: Self.t0.addingTimeInterval(20 * 60))
        #expect(Self.starts(actions) == ["m:catch-up:0"])
        #expect(actions.contains(.recordFire(model: "m", at: instant("2024-06-03T10:00:00Z"))))
        _ = c.finished(model: "m", .succeeded, now: Self.t0.addingTimeInterval(25 * 60))
        #expect(c.tick(now: Self.t0.addingTimeInterval(30 * 60)).isEmpty)
        #expect(Self.starts(c.tick(now: instant("2024-06-03T11:00:00Z"))) == ["m:schedule:0"])
    }

    @Test func aDueTimeMissedByLessThanATickIsAnOrdinaryRun() throws {
        var c = core([try model("m", "hourly")], lastFire: ["m": instant("2024-06-03T09:00:00Z")])
        #expect(Self.starts(c.tick(now: instant("2024-06-03T10:00:05Z"))) == ["m:schedule:0"])
    }

    @Test func transientFailuresRetryThreeTimesWithGrowingDelaysThenStop() throws {
        var c = core([try model("m", "daily")])
        _ = c.tick(now: instant("2024-06-04T00:00:00Z"))
        var now = instant("2024-06-04T00:00:10Z")
        var delays: [TimeInterval] = []
        for attempt in 1...3 {
            let actions = c.finished(model: "m", .failed(transient: true), now: now)
            guard case .retryScheduled(model: "m", attempt: attempt, let at)? = actions.first else {
                Issue.record("no retry \(attempt): \(actions)")
                return
            }
            delays.append(at.timeIntervalSince(now))
            #expect(c.tick(now: at.addingTimeInterval(-1)).isEmpty)
            #expect(Self.starts(c.tick(now: at)) == ["m:retry:\(attempt)"])
            now = at.addingTimeInterval(5)
        }
        #expect(delays == [30, 120, 480])
        #expect(c.finished(model: "m", .failed(transient: true), now: now).isEmpty)
        #expect(c.retries.isEmpty)
        // It stays scheduled.
        #expect(Self.starts(c.tick(now: instant("2024-06-05T00:00:00Z"))) == ["m:schedule:0"])
    }

    @Test func jitterStaysWithinTwentyPercent() throws {
        for r in [0.0, 0.999] {
            var c = SchedulerCore(
                models: [try model("m", "daily")], lastFire: [:], maxConcurrentRuns: 1, maxConcurrentPerSource: [:],
                startedAt: Self.t0, random: { r })
            _ = c.tick(now: instant("2024-06-04T00:00:00Z"))
            let now = instant("2024-06-04T00:01:00Z")
            guard case .retryScheduled(_, _, let at)? = c.finished(model: "m", .failed(transient: true), now: now).first
            else {
                Issue.record("no retry")
                return
            }
            let delay = at.timeIntervalSince(now)
            #expect(delay >= 24 && delay < 36)
        }
    }

    @Test func permanentFailuresAndLeaseConflictsAreNotRetried() throws {
        var c = core([try model("m", "daily")])
        _ = c.tick(now: instant("2024-06-04T00:00:00Z"))
        #expect(c.finished(model: "m", .failed(transient: false), now: instant("2024-06-04T00:00:10Z")).isEmpty)
        _ = c.tick(now: instant("2024-06-05T00:00:00Z"))
        #expect(c.finished(model: "m", .alreadyRunning, now: instant("2024-06-05T00:00:10Z")).isEmpty)
        #expect(c.retries.isEmpty)
    }

    @Test func concurrencyLimitsOverallAndPerSource() throws {
        var c = core(
            [
                try model("a1", "hourly", source: "a"), try model("a2", "hourly", source: "a"),
                try model("a3", "hourly", source: "a"),
                try model("b1", "hourly", source: "b"), try model("c1", "hourly", source: "c"),
            ],
            max: 3, perSource: ["a": 2, "b": 1, "c": 1])
        let first = c.tick(now: instant("2024-06-03T11:00:00Z"))
        #expect(Self.starts(first) == ["a1:schedule:0", "a2:schedule:0", "b1:schedule:0"])
        #expect(c.queue.map(\.model) == ["a3", "c1"])
        // a1 ends: a slot opens overall and on source a; a3 was queued first.
        #expect(
            Self.starts(c.finished(model: "a1", .succeeded, now: instant("2024-06-03T11:01:00Z"))) == ["a3:schedule:0"])
        // b1 ends: c1 may start (source a is full, c is free).
        #expect(
            Self.starts(c.finished(model: "b1", .succeeded, now: instant("2024-06-03T11:02:00Z"))) == ["c1:schedule:0"])
        #expect(c.running.count == 3)
    }

    @Test func aReloadDropsRemovedModels() throws {
        var c = core([try model("keep", "hourly"), try model("gone", "hourly")], max: 1)
        _ = c.tick(now: instant("2024-06-03T11:00:00Z"))
        #expect(c.queue.map(\.model) == ["keep"])
        c.replaceModels([try model("keep", "daily")])
        #expect(c.nextDue("gone") == nil)
        #expect(c.models.keys.sorted() == ["keep"])
    }

    @Test func runsWaitingForASlotAtShutdownAreSkippedAndCaughtUpOnTheNextStart() throws {
        var c = core([try model("a", "hourly"), try model("b", "hourly"), try model("c", "hourly")], max: 1)
        let at11 = instant("2024-06-03T11:00:00Z")
        #expect(Self.starts(c.tick(now: at11)) == ["a:schedule:0"])
        let stop = c.shutdown()
        #expect(
            stop == [
                .skip(model: "b", reason: SchedulerCore.shutdownReason),
                .recordFire(model: "b", at: at11.addingTimeInterval(-1)),
                .skip(model: "c", reason: SchedulerCore.shutdownReason),
                .recordFire(model: "c", at: at11.addingTimeInterval(-1)),
            ])
        #expect(c.queue.isEmpty)
        // The next start reads the fire times the shutdown left: b and c run at once, a does not.
        var restarted = SchedulerCore(
            models: c.models.values.sorted { $0.name < $1.name }, lastFire: c.lastFire, maxConcurrentRuns: 5,
            maxConcurrentPerSource: ["wh": 5], startedAt: at11.addingTimeInterval(120), random: { 0.5 })
        #expect(Self.starts(restarted.tick(now: at11.addingTimeInterval(120))) == ["b:schedule:0", "c:schedule:0"])
    }
}

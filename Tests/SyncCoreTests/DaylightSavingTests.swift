import Foundation
import Testing

@testable import SyncCore

/// docs/project.md: fixed-time schedules fire after a gap and once in an overlap; wildcard schedules
/// follow the clock.
@Suite struct DaylightSavingTests {
    @Test func berlinGapMovesDailyToTheEndOfTheGap() throws {
        // 2024-03-31 02:00 CET becomes 03:00 CEST (01:00Z): 02:30 does not exist; fire at 03:00 CEST.
        #expect(
            try fires("daily at 02:30", tz: berlin, after: "2024-03-30T12:00:00Z", count: 3)
                == ["2024-03-31T01:00:00Z", "2024-04-01T00:30:00Z", "2024-04-02T00:30:00Z"])
        #expect(
            try fires("cron 30 2 * * *", tz: berlin, after: "2024-03-30T12:00:00Z", count: 1) == [
                "2024-03-31T01:00:00Z"
            ])
    }

    @Test func berlinOverlapFiresDailyOnce() throws {
        // 2024-10-27 03:00 CEST becomes 02:00 CET (01:00Z): 02:30 happens twice; fire at the first.
        #expect(
            try fires("daily at 02:30", tz: berlin, after: "2024-10-26T12:00:00Z", count: 2)
                == ["2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z"])
    }

    @Test func newYorkGapAndOverlap() throws {
        // 2024-03-10 02:00 EST becomes 03:00 EDT (07:00Z); 2024-11-03 02:00 EDT becomes 01:00 EST (06:00Z).
        #expect(
            try fires("daily at 02:30", tz: newYork, after: "2024-03-09T12:00:00Z", count: 2)
                == ["2024-03-10T07:00:00Z", "2024-03-11T06:30:00Z"])
        #expect(
            try fires("cron 30 1 * * *", tz: newYork, after: "2024-11-02T12:00:00Z", count: 2)
                == ["2024-11-03T05:30:00Z", "2024-11-04T06:30:00Z"])
    }

    @Test func fixedTimeCronFollowsTheSameRules() throws {
        #expect(
            try fires("cron 15 2 * * 0", tz: berlin, after: "2024-03-30T00:00:00Z", count: 1) == [
                "2024-03-31T01:00:00Z"
            ])
        #expect(
            try fireCount("cron 0,30 1-3 * * *", tz: newYork, from: "2024-11-03T04:00:00Z", to: "2024-11-03T10:00:00Z")
                == 6)
    }

    @Test(arguments: [
        (berlin, "2024-03-30T23:00:00Z", "2024-03-31T22:00:00Z", 23),
        (berlin, "2024-10-26T22:00:00Z", "2024-10-27T23:00:00Z", 25),
        (newYork, "2024-03-10T05:00:00Z", "2024-03-11T04:00:00Z", 23),
        (newYork, "2024-11-03T04:00:00Z", "2024-11-04T05:00:00Z", 25),
    ])
    func hourlyFiresEveryRealHour(tz: TimeZone, start: String, end: String, expected: Int) throws {
        #expect(try fireCount("hourly", tz: tz, from: start, to: end) == expected)
        #expect(try fireCount("cron */30 * * * *", tz: tz, from: start, to: end) == expected * 2)
    }

    @Test func hourlyOnTheLongDayFiresTwiceAtOneWallClockHour() throws {
        #expect(
            try fires("hourly", tz: berlin, after: "2024-10-26T23:30:00Z", count: 3)
                == ["2024-10-27T00:00:00Z", "2024-10-27T01:00:00Z", "2024-10-27T02:00:00Z"])
    }
}

import Foundation
import Testing

@testable import SyncCore

@Suite struct CronFireTimeTests {
    @Test func leapDayFiresOnlyOnFebruary29() throws {
        #expect(
            try fires("cron 0 0 29 2 *", after: "2024-03-01T00:00:00Z", count: 2) == [
                "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z",
            ])
    }

    @Test func day31SkipsShortMonths() throws {
        #expect(
            try fires("cron 0 0 31 * *", after: "2024-01-31T00:00:00Z", count: 4)
                == ["2024-03-31T00:00:00Z", "2024-05-31T00:00:00Z", "2024-07-31T00:00:00Z", "2024-08-31T00:00:00Z"])
    }

    @Test func lastDayOfFebruaryIn28And29DayYears() throws {
        #expect(
            try fires("cron 0 12 28,29 2 *", after: "2025-01-01T00:00:00Z", count: 3)
                == ["2025-02-28T12:00:00Z", "2026-02-28T12:00:00Z", "2027-02-28T12:00:00Z"])
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothRestricted() throws {
        // The 13th or any Friday, December 2024: Fri 6, Fri 13, Fri 20.
        #expect(
            try fires("cron 0 0 13 * 5", after: "2024-12-01T00:00:00Z", count: 3)
                == ["2024-12-06T00:00:00Z", "2024-12-13T00:00:00Z", "2024-12-20T00:00:00Z"])
    }

    @Test func starPrefixedDayOfWeekCountsAsUnrestricted() throws {
        // The 1st, only when it is an even weekday (Sun, Tue, Thu, Sat): 2024-06-01 is a Saturday,
        // 2024-07-01 a Monday (skipped), 2024-08-01 a Thursday.
        #expect(
            try fires("cron 0 0 1 * */2", after: "2024-05-15T00:00:00Z", count: 2)
                == ["2024-06-01T00:00:00Z", "2024-08-01T00:00:00Z"])
    }

    @Test func stepOnANamedRange() throws {
        // Mon, Wed, Fri at 09:00 from Sunday 2024-12-01.
        #expect(
            try fires("cron 0 9 * * MON-FRI/2", after: "2024-12-01T00:00:00Z", count: 4)
                == ["2024-12-02T09:00:00Z", "2024-12-04T09:00:00Z", "2024-12-06T09:00:00Z", "2024-12-09T09:00:00Z"])
    }

    @Test func impossibleDateNeverFires() throws {
        // Parsing refuses it (ScheduleParsingTests); the search itself still ends, finding nothing.
        #expect(
            Schedule.cron(try CronExpression("0 0 31 2 *")).nextFire(after: instant("2024-01-01T00:00:00Z"), in: utc)
                == nil)
        #expect(Schedule.manual.nextFire(after: instant("2024-01-01T00:00:00Z"), in: utc) == nil)
    }

    @Test func shortcutsMatchTheirExpansions() throws {
        for (shortcut, expansion) in [
            ("@yearly", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"), ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"),
            ("@hourly", "0 * * * *"),
        ] {
            #expect(
                try fires("cron \(shortcut)", tz: berlin, after: "2024-03-30T10:00:00Z", count: 5)
                    == fires("cron \(expansion)", tz: berlin, after: "2024-03-30T10:00:00Z", count: 5))
        }
    }

    @Test func everyCountsElapsedTimeAcrossMidnight() throws {
        #expect(
            try fires("every 15m", after: "2024-12-31T23:40:00Z", count: 3)
                == ["2024-12-31T23:45:00Z", "2025-01-01T00:00:00Z", "2025-01-01T00:15:00Z"])
    }

    @Test func everyIgnoresDaylightSaving() throws {
        // Berlin springs forward at 01:00Z: still one fire every 15 real minutes.
        #expect(
            try fires("every 15m", tz: berlin, after: "2024-03-31T00:50:00Z", count: 3)
                == ["2024-03-31T01:00:00Z", "2024-03-31T01:15:00Z", "2024-03-31T01:30:00Z"])
        #expect(
            try fireCount("every 15m", tz: berlin, from: "2024-03-30T23:00:00Z", to: "2024-03-31T22:00:00Z") == 23 * 4)
    }
}

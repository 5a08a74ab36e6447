import Foundation
import Testing

@testable import SyncCore

@Suite struct ScheduleParsingTests {
    @Test(arguments: [
        ("manual", "manual"), ("every 15m", "every 15m"), ("every 2h", "every 2h"),
        ("hourly", "cron 0 * * * *"), ("hourly at :15", "cron 15 * * * *"),
        ("daily", "cron 0 0 * * *"), ("daily at 02:30", "cron 30 2 * * *"),
        ("weekly on monday at 06:00", "cron 0 6 * * 1"), ("weekly on sun at 23:59", "cron 59 23 * * 0"),
        ("cron 0 */6 * * *", "cron 0 */6 * * *"), ("cron @daily", "cron @daily"),
    ])
    func parsesEveryForm(text: String, expected: String) throws {
        #expect(try Schedule(parsing: text).description == expected)
    }

    /// A cron expression that can never fire is refused, naming it; one that fires rarely (a
    /// leap day, even across 2100, which is no leap year) is kept.
    @Test(arguments: [
        "cron 0 0 30 2 *", "cron 0 0 31 2 *", "cron 0 0 30,31 feb *", "cron 0 0 31 4,6,9,11 *",
        "cron 15 3 31 apr-apr *", "cron 0 0 30-31 2 *",
    ])
    func refusesACronThatNeverFires(text: String) {
        let error = #expect(throws: ScheduleError.self) {
            try Schedule(parsing: text, now: instant("2026-12-07T00:00:00Z"))
        }
        #expect(error?.message.contains("never fires") == true, "\(String(describing: error))")
        #expect(error?.code == .range)
    }

    @Test(arguments: [
        ("cron 0 0 29 2 *", "2026-12-07T00:00:00Z"), ("cron 0 0 29 2 *", "2096-03-01T00:00:00Z"),
        ("cron 0 0 31 2,3 *", "2026-12-07T00:00:00Z"), ("cron 0 0 30 2 1", "2026-12-07T00:00:00Z"),
    ])
    func keepsACronThatFiresRarely(text: String, now: String) throws {
        #expect(throws: Never.self) { try Schedule(parsing: text, now: instant(now)) }
    }

    @Test func aModelFileWithANeverFiringScheduleNamesTheFileAndLine() {
        let error = #expect(throws: ProjectErrors.self) {
            try Model.parse(text: "-- key: id\n-- schedule: cron 0 0 30 2 *\nSELECT 1 AS id\n", file: "models/m.sql")
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("models/m.sql:2") && text.contains("never fires"), "\(text)")
    }

    @Test(arguments: [
        "hourly at 15", "hourly at :60", "daily at 24:00", "daily at 2:3", "weekly on funday at 06:00",
        "weekly monday", "every", "every 0m", "every 15x", "sometimes", "cron 0 * * *", "cron @reboot",
        "manual please",
    ])
    func rejectsBadSchedules(text: String) {
        #expect(throws: ScheduleError.self) { try Schedule(parsing: text) }
    }

    @Test(arguments: [
        ("60 * * * *", "60 is out of range for the minute field (0-59)"),
        ("0 24 * * *", "24 is out of range for the hour field (0-23)"),
        ("0 0 0 * *", "0 is out of range for the day of month field (1-31)"),
        ("0 0 32 * *", "32 is out of range for the day of month field (1-31)"),
        ("0 0 * 13 *", "13 is out of range for the month field (1-12)"),
        ("0 0 * * 8", "8 is out of range for the day of week field (0-7)"),
        ("0 0 * FOO *", "invalid value \"FOO\" in the month field"),
        ("0 0 * * MON-FOO", "invalid value \"FOO\" in the day of week field"),
        ("5-1 * * * *", "range 5-1 in the minute field runs backwards"),
        ("*/0 * * * *", "invalid step \"0\" in the minute field"),
        ("1,,2 * * * *", "empty list item in the minute field \"1,,2\""),
    ])
    func cronErrorsNameTheToken(expression: String, message: String) throws {
        let error = try #require(throws: ScheduleError.self) { try CronExpression(expression) }
        #expect(error.message == message)
    }

    @Test func namesStepsAndSevenForSunday() throws {
        let names = try CronExpression("0 0 * JAN,mar SUN")
        #expect(names.months == (1 << 1 | 1 << 3))
        #expect(names.daysOfWeek == 1)
        let seven = try CronExpression("0 0 * * 7")
        #expect(seven.daysOfWeek == 1)
        let stepped = try CronExpression("0 0 * * MON-FRI/2")
        #expect(stepped.daysOfWeek == (1 << 1 | 1 << 3 | 1 << 5))
        let fromFive = try CronExpression("5/20 * * * *")
        #expect(fromFive.minutes == (1 << 5 | 1 << 25 | 1 << 45))
        #expect(try CronExpression("0 20/1 * * *").hours == (0xf << 20))
        #expect(try CronExpression("@hourly").minutes == 1)
        #expect(try CronExpression("@weekly").daysOfWeek == 1)
    }

    @Test func fixedTimeIsDecidedByLeadingStar() throws {
        #expect(try CronExpression("30 2 * * *").isFixedTime)
        #expect(try CronExpression("0 1-3 * * *").isFixedTime)
        #expect(try !CronExpression("*/15 * * * *").isFixedTime)
        #expect(try !CronExpression("0 * * * *").isFixedTime)
        #expect(try !CronExpression("0 */6 * * *").isFixedTime)
    }
}

import Foundation

/// When a model runs: the forms of docs/project.md, as an immutable value.
public enum Schedule: Sendable, Hashable, CustomStringConvertible {
    case manual
    /// Every fixed span of elapsed time, ignoring the clock.
    case every(Duration)
    /// A wall-clock rule; `hourly`, `daily`, `weekly` and `cron` all become one.
    case cron(CronExpression)
    /// `after MODEL`: after each successful run of that model (docs/http-api.md), never on the clock.
    case after(String)

    /// How far ahead a cron expression must fire: eight years, so that a February 29th (which
    /// may be eight years away across a century) stays valid.
    public static let fireHorizonDays = 8 * 366

    /// Parses `manual`, `every 15m`, `hourly [at :MM]`, `daily [at HH:MM]`,
    /// `weekly on DAY at HH:MM` and `cron EXPR`.
    /// - Parameter now: the instant from which a cron expression must fire within
    ///   `fireHorizonDays` (`0 0 30 2 *`, February 30th, never does).
    /// - Throws: `ScheduleError` naming what is wrong and what to write.
    public init(parsing text: String, now: Date = Date()) throws(ScheduleError) {
        self = try Self.parse(text)
        if case .cron(let expression) = self,
            CronSearch(
                expression: expression, timeZone: TimeZone(identifier: "UTC")!, horizonDays: Self.fireHorizonDays
            )
            .nextFire(after: now) == nil
        {
            throw ScheduleError(
                "the schedule \"\(text.trimmingCharacters(in: .whitespaces))\" never fires: no date in the next 8 "
                    + "years matches its day-of-month, month and day-of-week fields",
                hint: "check the day of month against the month (February has at most 29 days; April, June, "
                    + "September and November 30)",
                code: .range)
        }
    }

    private static func parse(_ text: String) throws(ScheduleError) -> Schedule {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let words = trimmed.split(separator: " ", omittingEmptySubsequences: true).map { $0.lowercased() }
        switch words.first {
        case "manual" where words.count == 1:
            return .manual
        case "every":
            guard words.count == 2, let duration = DurationText.parse(words[1]),
                duration >= .seconds(60) || duration.components.seconds > 0
            else {
                throw ScheduleError(
                    "invalid schedule \"\(trimmed)\"",
                    hint: "write every 15m, every 2h or every 1d (at most every 366d)")
            }
            return .every(duration)
        case "hourly":
            if words.count == 1 {
                return .cron(try CronExpression("0 * * * *"))
            }
            guard words.count == 3, words[1] == "at", words[2].hasPrefix(":"), let minute = Int(words[2].dropFirst()),
                (0...59).contains(minute), words[2].count == 3
            else {
                throw ScheduleError("invalid schedule \"\(trimmed)\"", hint: "write hourly or hourly at :15")
            }
            return .cron(try CronExpression("\(minute) * * * *"))
        case "daily":
            if words.count == 1 {
                return .cron(try CronExpression("0 0 * * *"))
            }
            guard words.count == 3, words[1] == "at", let (h, m) = Self.clockTime(words[2]) else {
                throw ScheduleError(
                    "invalid schedule \"\(trimmed)\"", hint: "write daily or daily at 02:30 (24-hour clock)")
            }
            return .cron(try CronExpression("\(m) \(h) * * *"))
        case "weekly":
            let days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
            guard words.count == 5, words[1] == "on", words[3] == "at",
                let day = days.firstIndex(where: { $0 == words[2] || $0.prefix(3) == words[2] }),
                let (h, m) = Self.clockTime(words[4])
            else {
                throw ScheduleError("invalid schedule \"\(trimmed)\"", hint: "write weekly on monday at 06:00")
            }
            return .cron(try CronExpression("\(m) \(h) * * \(day)"))
        case "cron":
            return .cron(try CronExpression(String(trimmed.dropFirst(4))))
        case "after":
            let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2,
                parts[1].unicodeScalars.allSatisfy({ $0 == "_" || CharacterSet.alphanumerics.contains($0) })
            else {
                throw ScheduleError(
                    "invalid schedule \"\(trimmed)\"", hint: "write after MODEL, e.g. after lifetime_value")
            }
            return .after(String(parts[1]))
        default:
            throw ScheduleError(
                "unknown schedule \"\(trimmed)\"",
                hint:
                    "use manual, every 15m, hourly, hourly at :15, daily, daily at 02:30, weekly on monday at 06:00, "
                    + "cron 0 */6 * * * or after MODEL"
            )
        }
    }

    private static func clockTime(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
            (0...23).contains(h), (0...59).contains(m)
        else { return nil }
        return (h, m)
    }

    public var description: String {
        switch self {
        case .manual: "manual"
        case .every(let d): "every \(DurationText.format(d))"
        case .cron(let c): "cron \(c.text)"
        case .after(let model): "after \(model)"
        }
    }

    /// The time between the next two fire times after `instant`, in seconds: what "two schedule
    /// periods" of a staleness check mean. Nil for schedules that do not fire on the clock.
    public func period(after instant: Date, in timeZone: TimeZone) -> TimeInterval? {
        guard let first = nextFire(after: instant, in: timeZone), let second = nextFire(after: first, in: timeZone)
        else { return nil }
        return second.timeIntervalSince(first)
    }

    /// The first fire time strictly after `instant`, in `timeZone`; nil for `manual` or a cron
    /// expression that can never fire (`0 0 31 2 *`).
    public func nextFire(after instant: Date, in timeZone: TimeZone) -> Date? {
        switch self {
        case .manual, .after:
            return nil
        case .every(let interval):
            // Counted from the Unix epoch, so the ticks don't depend on when the service started.
            let step = Double(interval.components.seconds)
            return Date(timeIntervalSince1970: (floor(instant.timeIntervalSince1970 / step) + 1) * step)
        case .cron(let expression):
            return CronSearch(expression: expression, timeZone: timeZone).nextFire(after: instant)
        }
    }
}

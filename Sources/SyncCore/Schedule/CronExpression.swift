/// A five-field cron expression with Vixie cron's semantics: ranges, lists, steps, month and
/// day names, 0 or 7 for Sunday, and day-of-month OR day-of-week when both are restricted.
public struct CronExpression: Sendable, Hashable {
    /// Bit i set when value i matches.
    public let minutes: UInt64
    public let hours: UInt64
    public let daysOfMonth: UInt64
    public let months: UInt64
    /// Bit 0 is Sunday; a 7 in the expression sets bit 0.
    public let daysOfWeek: UInt64
    /// A field counts as restricted unless it begins with `*` (so `*/2` is unrestricted, as in Vixie cron).
    public let dayOfMonthRestricted: Bool
    public let dayOfWeekRestricted: Bool
    /// Neither the minute nor the hour field begins with `*`: the job runs at fixed times of day,
    /// which changes what daylight-saving transitions do to it.
    public let isFixedTime: Bool
    public let text: String

    struct Field {
        let name: String
        let min: Int
        let max: Int
        let names: [String]
    }

    static let fields = [
        Field(name: "minute", min: 0, max: 59, names: []),
        Field(name: "hour", min: 0, max: 23, names: []),
        Field(name: "day of month", min: 1, max: 31, names: []),
        Field(
            name: "month", min: 1, max: 12,
            names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]),
        Field(name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
    ]

    static let shortcuts = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses `text`; the error names the bad token and its field.
    public init(_ text: String) throws(ScheduleError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var expression = trimmed
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.shortcuts[trimmed.lowercased()] else {
                throw ScheduleError(
                    "unknown cron shortcut \(trimmed)", hint: "use @hourly, @daily, @weekly, @monthly or @yearly")
            }
            expression = expanded
        }
        let parts = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw ScheduleError(
                "cron needs 5 fields (minute hour day-of-month month day-of-week), found \(parts.count) in "
                    + "\"\(trimmed)\""
            )
        }
        var masks: [UInt64] = []
        for (part, field) in zip(parts, Self.fields) { masks.append(try Self.parseField(part, field)) }
        minutes = masks[0]
        hours = masks[1]
        daysOfMonth = masks[2]
        months = masks[3]
        daysOfWeek = (masks[4] & 0x7f) | ((masks[4] >> 7) & 1)
        dayOfMonthRestricted = !parts[2].hasPrefix("*")
        dayOfWeekRestricted = !parts[4].hasPrefix("*")
        // As in Debian cron (MIN_STAR/HR_STAR): only a field beginning with `*` follows the clock.
        isFixedTime = !parts[0].hasPrefix("*") && !parts[1].hasPrefix("*")
        self.text = trimmed
    }

    private static func parseField(_ text: String, _ field: Field) throws(ScheduleError) -> UInt64 {
        var mask: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw ScheduleError("empty list item in the \(field.name) field \"\(text)\"") }
            var rangePart = Substring(item)
            var step = 1
            let hasStep = item.contains("/")
            if let slash = item.firstIndex(of: "/") {
                rangePart = item[..<slash]
                let stepText = item[item.index(after: slash)...]
                guard let parsed = Int(stepText), parsed > 0, parsed <= field.max else {
                    throw ScheduleError(
                        "invalid step \"\(stepText)\" in the \(field.name) field",
                        hint: "a step is a number from 1 to \(field.max)")
                }
                step = parsed
            }
            var low: Int
            var high: Int
            if rangePart == "*" {
                (low, high) = (field.min, field.name == "day of week" ? 6 : field.max)
            } else if let dash = rangePart.firstIndex(of: "-") {
                low = try value(rangePart[..<dash], field)
                high = try value(rangePart[rangePart.index(after: dash)...], field)
                guard low <= high else {
                    throw ScheduleError(
                        "range \(rangePart) in the \(field.name) field runs backwards",
                        hint: "write the smaller value first")
                }
            } else {
                low = try value(rangePart, field)
                // Vixie cron reads "N/S" as N through the field's end, every S.
                high = hasStep ? field.max : low
            }
            var v = low
            while v <= high {
                mask |= 1 << UInt64(v)
                v += step
            }
        }
        return mask
    }

    private static func value(_ token: Substring, _ field: Field) throws(ScheduleError) -> Int {
        if let index = field.names.firstIndex(of: token.uppercased()) { return index + (field.name == "month" ? 1 : 0) }
        guard let number = Int(token) else {
            throw ScheduleError(
                "invalid value \"\(token)\" in the \(field.name) field",
                hint: field.names.isEmpty
                    ? "use numbers \(field.min)-\(field.max)"
                    : "use \(field.min)-\(field.max) or \(field.names.joined(separator: ", "))")
        }
        guard number >= field.min && number <= field.max else {
            throw ScheduleError(
                "\(number) is out of range for the \(field.name) field (\(field.min)-\(field.max))",
                hint: "cron fields are minute hour day-of-month month day-of-week", code: .range)
        }
        return number
    }

    func matches(day: CivilDate) -> Bool {
        guard months & (1 << UInt64(day.month)) != 0 else { return false }
        let domMatch = daysOfMonth & (1 << UInt64(day.day)) != 0
        let dowMatch = daysOfWeek & (1 << UInt64(day.weekday)) != 0
        if dayOfMonthRestricted && dayOfWeekRestricted { return domMatch || dowMatch }
        return domMatch && dowMatch
    }
}

/// A bad schedule, with what to write instead. Never transient.
public struct ScheduleError: ReportedError, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, as an opaque code so cases can be added later.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The text is not a cron expression, an interval or an alias.
        public static let syntax = Code(name: "syntax")
        /// A field's value is out of its range, or the schedule never fires.
        public static let range = Code(name: "range")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var hint: String?
    public var isTransient: Bool { false }
    public init(_ message: String, hint: String? = nil, code: Code = .syntax) {
        self.code = code
        self.message = message
        self.hint = hint
    }
    public var description: String { message + (hint.map { " (\($0))" } ?? "") }
    public var errorCode: String { ErrorCodes.code("schedule", code.name) }
}

import Foundation

/// Finds a cron expression's next fire instant in a timezone, with Vixie cron's daylight-saving
/// rules: a fixed-time job whose time falls in a gap fires when the gap ends, and in an
/// overlap only at the first occurrence; a wildcard job fires at every real instant whose wall
/// clock matches (so `hourly` fires 23 or 25 times on transition days).
struct CronSearch {
    let expression: CronExpression
    let timeZone: TimeZone

    /// How far ahead to look: 28 years covers every Feb 29 and weekday combination.
    var horizonDays = 366 * 28

    func nextFire(after instant: Date) -> Date? {
        let t = Int(floor(instant.timeIntervalSince1970))
        let startLocal = t + offset(at: t) - 3 * 3600
        let startDay = CivilDate(daysSinceEpoch: floorDiv(startLocal, 86400))
        var best: Int?
        for dayIndex in 0..<horizonDays {
            let day = startDay.adding(days: dayIndex)
            let dayStart = day.daysSinceEpoch * 86400
            // No later local time can give an earlier instant than one already found: offsets
            // differ by well under a day.
            if let best, dayStart > best + offset(at: best) + 6 * 3600 { break }
            guard expression.matches(day: day) else { continue }
            for hour in 0..<24 where expression.hours & (1 << UInt64(hour)) != 0 {
                for minute in 0..<60 where expression.minutes & (1 << UInt64(minute)) != 0 {
                    let local = dayStart + hour * 3600 + minute * 60
                    if local < startLocal { continue }
                    for candidate in instants(forLocal: local) where candidate > t {
                        if best == nil || candidate < best! { best = candidate }
                    }
                    if let found = best, local > found + offset(at: found) + 6 * 3600 {
                        return Date(timeIntervalSince1970: Double(found))
                    }
                }
            }
        }
        return best.map { Date(timeIntervalSince1970: Double($0)) }
    }

    /// The real instants at which the wall clock reads `local` (seconds since the epoch, as if UTC).
    private func instants(forLocal local: Int) -> [Int] {
        let before = offset(at: local - 86400 / 2)
        let after = offset(at: local + 86400 / 2)
        var found: [Int] = []
        for candidateOffset in Set([before, after]).sorted(by: >) {
            let instant = local - candidateOffset
            if offset(at: instant) == candidateOffset { found.append(instant) }
        }
        found.sort()
        if found.isEmpty {
            // In a gap: the fixed-time job fires at the first instant after it.
            guard expression.isFixedTime else { return [] }
            let searchFrom = Date(timeIntervalSince1970: Double(local - max(before, after) - 1))
            guard let transition = timeZone.nextDaylightSavingTimeTransition(after: searchFrom) else { return [] }
            return [Int(transition.timeIntervalSince1970)]
        }
        // In an overlap the fixed-time job runs once, at the first occurrence.
        return expression.isFixedTime ? [found[0]] : found
    }

    private func offset(at instant: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))
    }
}

func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

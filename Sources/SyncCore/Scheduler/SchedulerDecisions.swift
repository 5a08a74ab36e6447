import Foundation

/// The scheduler's decisions as pure functions of values and a given `now`: tested without
/// waiting, driven by the service loop with the real clock.
public enum SchedulerDecisions {
    /// When a model is next due. With no fire on record, the first fire after `now`; otherwise
    /// the first fire after the last one, which may already be past (a missed tick).
    public static func nextDue(schedule: Schedule, timeZone: TimeZone, lastFire: Date?, now: Date) -> Date? {
        schedule.nextFire(after: lastFire ?? now, in: timeZone)
    }

    /// Whether a due time was missed while the service was down: it is due, and a later tick
    /// has also passed. Such a model runs once, with trigger `catch-up`, not once per tick.
    public static func isCatchUp(schedule: Schedule, timeZone: TimeZone, due: Date, now: Date) -> Bool {
        guard due <= now, let following = schedule.nextFire(after: due, in: timeZone) else { return false }
        return following <= now
    }

    /// The due time to record when firing at `now`: the latest tick not after `now`, so
    /// missed ticks collapse into one run.
    public static func latestTick(schedule: Schedule, timeZone: TimeZone, from due: Date, now: Date) -> Date {
        var latest = due
        while let next = schedule.nextFire(after: latest, in: timeZone), next <= now { latest = next }
        return latest
    }
}

import Foundation
import SyncCore

/// What `cost` shows (docs/cost.md): per model, its runs in the window, the skipped ones, the total
/// and mean cost per run in each measure the warehouse reports, the schedule's runs in 30 days,
/// and the monthly projection: the mean cost of the runs that ran the query × those runs.
public struct CostReport: Encodable, Sendable {
    public struct ModelCost: Encodable, Sendable {
        public var model: String
        public var source: String
        /// Runs in the window that were not skipped (they ran, or tried to run, the query).
        public var runs: Int
        public var skippedRuns: Int
        public var total: [String: Double]
        /// Per measure, over the runs that reported it.
        public var mean: [String: Double]
        /// The schedule's fire times in the next 30 days; 0 for a manual model.
        public var runsPerMonth: Int
        public var monthlyProjection: [String: Double]
        /// With the source's prices: the mean run's cost and the monthly projection in money.
        public var meanMoney: Double?
        public var monthlyProjectionMoney: Double?

        enum CodingKeys: String, CodingKey {
            case model, source, runs, total, mean
            case skippedRuns = "skipped_runs"
            case runsPerMonth = "runs_per_month"
            case monthlyProjection = "monthly_projection"
            case meanMoney = "mean_money"
            case monthlyProjectionMoney = "monthly_projection_money"
        }
    }

    public var days: Int
    public var models: [ModelCost]

    /// The report from each model's runs (any order) within `days` before `now`.
    public static func make(project: Project, runs: [String: [RunRecord]], days: Int, now: Date) -> CostReport {
        let since = now.addingTimeInterval(-Double(days) * 86400)
        let models = project.models.map { model -> ModelCost in
            let window = (runs[model.name] ?? []).filter { $0.startedAt >= since }
            let ran = window.filter { $0.status != .skipped }
            var total: [String: Double] = [:]
            var reported: [String: Int] = [:]
            for run in ran {
                for (measure, value) in run.cost ?? [:] {
                    total[measure, default: 0] += value
                    reported[measure, default: 0] += 1
                }
            }
            let mean = total.reduce(into: [String: Double]()) { $0[$1.key] = $1.value / Double(reported[$1.key]!) }
            let perMonth = runsPerMonth(model, project: project, now: now)
            let prices = project.config.sources[model.source ?? ""]?.prices ?? Prices()
            // Money to a millionth: sums of products of binary fractions carry noise below that.
            func millionths(_ value: Double) -> Double { (value * 1e6).rounded() / 1e6 }
            let meanMoney = prices.money(mean).map(millionths)
            return ModelCost(
                model: model.name, source: model.source ?? "", runs: ran.count,
                skippedRuns: window.count - ran.count, total: total, mean: mean, runsPerMonth: perMonth,
                monthlyProjection: mean.mapValues { $0 * Double(perMonth) }, meanMoney: meanMoney,
                monthlyProjectionMoney: meanMoney.map { millionths($0 * Double(perMonth)) })
        }
        return CostReport(days: days, models: models)
    }

    /// How often the model's schedule fires in the 30 days after `now`: `every` by division,
    /// clock schedules by counting their fire times, `after MODEL` as often as that model.
    public static func runsPerMonth(_ model: Model, project: Project, now: Date, depth: Int = 0) -> Int {
        let month: TimeInterval = 30 * 86400
        guard model.enabled else { return 0 }  // serve never runs it
        switch model.schedule {
        case .manual:
            return 0
        case .every(let interval):
            return Int(month / Double(max(interval.components.seconds, 1)))
        case .after(let upstream):
            guard depth < 50, let other = project.model(named: upstream) else { return 0 }
            return runsPerMonth(other, project: project, now: now, depth: depth + 1)
        case .cron:
            let zone = model.timezone ?? project.config.timezone
            let end = now.addingTimeInterval(month)
            var count = 0
            var t = now
            while count < 50_000, let next = model.schedule.nextFire(after: t, in: zone), next <= end {
                count += 1
                t = next
            }
            return count
        }
    }
}

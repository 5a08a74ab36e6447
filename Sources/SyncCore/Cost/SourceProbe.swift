import Foundation

/// What a model's query reads, as the warehouse's metadata says, without reading data (docs/cost.md).
public struct SourceProbe: Sendable, Equatable {
    /// How the query's result depends on the clock.
    public enum TimeDependence: String, Sendable, Codable {
        /// Only on its tables.
        case none
        /// On the date (`CURRENT_DATE`): unchanged tables keep the result only within one day.
        case date
        /// On the time, random values or functions that are not immutable: never skippable.
        case volatile
    }

    /// Each relation read (a qualified name) with the counters that move when it changes.
    public var relations: [String: [Int64]]
    public var time: TimeDependence
    /// A digest of the plan's text without its costs: a redefined view changes it.
    public var plan: String
    /// The planner's total cost of the query, from the same `EXPLAIN`.
    public var totalCost: Double?

    public init(relations: [String: [Int64]], time: TimeDependence, plan: String, totalCost: Double? = nil) {
        self.relations = relations
        self.time = time
        self.plan = plan
        self.totalCost = totalCost
    }
}

/// What a successful run keeps for the next run's skip decision: the model file's digest, the
/// counters read before its query ran, and the day (in the model's timezone) it ran on.
public struct SourceState: Sendable, Equatable, StoredJSON {
    public var fileDigest: String
    public var relations: [String: [Int64]]
    public var plan: String
    public var day: String
    /// The run that read them: where the warehouse's query history says which tables a query
    /// scanned (Redshift, BigQuery), the next probe reads that run's.
    public var run: String?

    public init(fileDigest: String, relations: [String: [Int64]], plan: String, day: String, run: String? = nil) {
        self.fileDigest = fileDigest
        self.relations = relations
        self.plan = plan
        self.day = day
        self.run = run
    }

    enum CodingKeys: String, CodingKey {
        case relations, day, plan, run
        case fileDigest = "file_digest"
    }

    /// The day `date` falls on in `zone`, `2026-12-02`.
    public static func day(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// How long PostgreSQL's shared statistics may trail a commit by default: a backend flushes
    /// its counters at most once a second while busy and 10 s after it goes idle
    /// (`PGSTAT_MIN_INTERVAL`, `PGSTAT_IDLE_INTERVAL` in `pgstat.c`), plus a margin.
    public static let defaultStatisticsLag: Duration = .seconds(15)

    /// Whether a run may be skipped (docs/cost.md): the model file is the one that ran last, its plan is
    /// the same, it reads the same relations with the same counters, and its result does not
    /// depend on the time (or, with `CURRENT_DATE`, it is still the same day). A query that reads
    /// no relation is never skipped. Nor is a run less than `statisticsLag` after the model's
    /// previous run (`sincePreviousRun`; nil: none): counters may not yet show a change
    /// committed just before that run, and this way the run after it always sees it, so a change
    /// is picked up by the first run that starts `statisticsLag` after its commit, which is at
    /// the latest the next run after the one it may have missed. Pure: the counters come from
    /// `SourceProbe`.
    public func allowsSkip(
        _ probe: SourceProbe, fileDigest: String, today: String, sincePreviousRun: Duration?,
        statisticsLag: Duration = SourceState.defaultStatisticsLag
    ) -> Bool {
        guard fileDigest == self.fileDigest, probe.plan == plan, !probe.relations.isEmpty, probe.relations == relations
        else { return false }
        if let sincePreviousRun, sincePreviousRun < statisticsLag { return false }
        switch probe.time {
        case .none: return true
        case .date: return today == day
        case .volatile: return false
        }
    }
}

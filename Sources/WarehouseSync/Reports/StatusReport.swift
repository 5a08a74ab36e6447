import Foundation
import Stores
import SyncCore

/// What `status` shows, and what `status --check` and `GET /healthz` judge.
public struct StatusReport: Encodable, Sendable {
    public struct ModelStatus: Encodable, Sendable {
        public var model: String
        public var schedule: String
        public var timezone: String
        public var enabled: Bool
        public var lastRun: RunRecord?
        public var lastSuccessAt: Date?
        public var nextDue: Date?
        public var running: Bool
        enum CodingKeys: String, CodingKey {
            case model, schedule, timezone, enabled, running
            case lastRun = "last_run"
            case lastSuccessAt = "last_success_at"
            case nextDue = "next_due"
        }
    }

    public var models: [ModelStatus]
    public var heartbeatAt: Date?
    public var healthy: Bool
    public var problems: [String]
    /// One `HealthProblem` code per problem, in the same order.
    public var problemCodes: [String] = []
    /// What does not validate in the config and models now (warnings: the service keeps its last valid version).
    public var projectProblems: [String] = []

    enum CodingKeys: String, CodingKey {
        case models, healthy, problems
        case projectProblems = "project_problems"
        case heartbeatAt = "scheduler_heartbeat_at"
    }

    public static let heartbeatLimit: TimeInterval = 300
    public static let failedRunsLimit = 3

    /// The report for `project` from the store's model states, each model's recent runs (skipped
    /// ones left out, newest first) and the scheduler's last heartbeat.
    public static func make(
        project: Project, states: [ModelState], recent: [String: [RunRecord]], heartbeat: Date?, now: Date
    ) -> StatusReport {
        var problems: [String] = []
        var codes: [String] = []
        let byName = Dictionary(states.map { ($0.model, $0) }, uniquingKeysWith: { a, _ in a })
        let models = project.models.map { model -> ModelStatus in
            let state = byName[model.name]
            let zone = model.timezone ?? project.config.timezone
            let runs = recent[model.name] ?? []
            if runs.count >= failedRunsLimit && runs.prefix(failedRunsLimit).allSatisfy({ $0.status == .failed }) {
                problems.append("model \(model.name) failed its last \(failedRunsLimit) runs: \(runs[0].error ?? "")")
                codes.append(HealthProblem.modelFailing)
            }
            let next =
                model.enabled
                ? SchedulerDecisions.nextDue(
                    schedule: model.schedule, timeZone: zone, lastFire: state?.lastFireAt, now: now) : nil
            return ModelStatus(
                model: model.name, schedule: model.scheduleText ?? model.schedule.description,
                timezone: zone.displayName,
                enabled: model.enabled,
                lastRun: runs.first, lastSuccessAt: state?.lastSuccessAt, nextDue: next,
                running: (state?.leaseExpiresAt).map { $0 > now } ?? false
                    && !(state?.leaseHolder.map(LeaseKeeper.isDeadLocalProcess(holder:)) ?? false))
        }
        let scheduled = project.models.contains { $0.enabled && $0.schedule != .manual }
        if scheduled {
            if let heartbeat {
                if now.timeIntervalSince(heartbeat) > heartbeatLimit {
                    problems.append(
                        "the scheduler's last heartbeat was at \(formatInstant(heartbeat)), over 5 minutes ago")
                    codes.append(HealthProblem.schedulerStale)
                }
            } else {
                problems.append("no scheduler has ever run against this store (serve runs one)")
                codes.append(HealthProblem.schedulerNeverRan)
            }
        }
        return StatusReport(
            models: models, heartbeatAt: heartbeat, healthy: problems.isEmpty, problems: problems, problemCodes: codes)
    }
}

extension StatusReport {
    /// Reads what the report needs from the store: model states, the last 50 runs of each model
    /// (skipped ones say nothing of health and are left out) and the last heartbeat.
    /// - Throws: `StoreError` when the store cannot be read.
    public static func read(from store: any Store, project: Project, now: Date) throws -> StatusReport {
        var recent: [String: [RunRecord]] = [:]
        for model in project.models {
            recent[model.name] = try store.runs(model: model.name, limit: 50).filter { $0.status != .skipped }
        }
        return make(
            project: project, states: try store.modelStates(), recent: recent, heartbeat: try store.lastHeartbeat(),
            now: now)
    }
}

/// The codes of what makes a service unhealthy: what `GET /healthz` tells a caller without credentials.
public enum HealthProblem {
    /// A model failed its last `StatusReport.failedRunsLimit` runs.
    public static let modelFailing = "model_failing"
    /// The scheduler's last heartbeat is older than `StatusReport.heartbeatLimit`.
    public static let schedulerStale = "scheduler_stale"
    /// Models are scheduled but no scheduler ever ran against the store.
    public static let schedulerNeverRan = "scheduler_never_ran"
    /// The store could not be read.
    public static let storeUnreadable = "store_unreadable"
}

/// `{"healthy": bool, "problems": [codes]}`: health without names, keys or error texts.
struct HealthSummary: Encodable {
    var healthy: Bool
    var problems: [String]

    init(healthy: Bool, problems: [String]) {
        self.healthy = healthy
        self.problems = problems
    }

    init(_ report: StatusReport) { self.init(healthy: report.healthy, problems: report.problemCodes) }
}

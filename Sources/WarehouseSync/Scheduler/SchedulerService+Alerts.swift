import Foundation
import SyncCore

/// What the scheduler tells its alerts (docs/http-api.md): each finished run, and on each tick whether a
/// scheduled model went stale.
extension SchedulerService {
    /// Feeds the alerts a finished run (a run that threw is a failed one), with the model's earlier runs.
    func alert(_ name: String, _ record: RunRecord?, runID: String?, error: String?) async {
        var run =
            record
            ?? RunRecord(
                id: runID ?? "", model: name, source: project.model(named: name)?.source ?? "", trigger: .schedule,
                status: .failed, startedAt: now())
        if record == nil {
            run.finishedAt = now()
            run.error = error
        }
        // A run skipped because nothing changed leaves the profiles current: it counts as fresh.
        if run.status == .succeeded || run.error == SyncRunner.unchangedReason {
            lastSuccess[name] = run.finishedAt ?? now()
        }
        guard !alerts.isEmpty else { return }
        let id = run.id
        let previous =
            (try? await store.perform { try $0.runs(model: name, limit: 22) })?.filter {
                $0.id != id && $0.status != .skipped
            } ?? []
        alerts.runEnded(run, previous: previous)
    }

    /// Tells the alerts each scheduled model's last success, for `stale`.
    func checkStale() {
        guard !alerts.isEmpty else { return }
        let now = self.now()
        for model in project.models where model.enabled {
            let zone = model.timezone ?? project.config.timezone
            let busy = core.running[model.name] != nil || core.queued.contains { $0.model == model.name }
            alerts.check(
                model: model.name, lastSuccess: lastSuccess[model.name],
                period: model.schedule.period(after: now, in: zone), since: startedAt, now: now, busy: busy)
        }
    }
}

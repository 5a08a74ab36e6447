import Foundation
import Stores
import SyncCore

/// `revert RUN`: puts back what a run changed, as a run of its own (trigger `revert`) that holds
/// the model's lease like any run, so it never interleaves with a sync of the same model.
public struct RevertRunner: Sendable {
    public let project: Project

    public init(project: Project) { self.project = project }

    /// Reverts run `target` (see `Store.revert`); with `dryRun`, only reads.
    /// - Throws: `SyncError` (`.revertRefused` for an unknown, failed or pruned run;
    ///   `.alreadyRunning` when a run of the model holds its lease), `StoreError`.
    public func revert(
        _ target: String, force: Bool, dryRun: Bool, now: @Sendable () -> Date = { Date() }
    ) throws -> RevertOutcome {
        let location = project.storeLocation
        let store = try location.open(readingOnly: dryRun)
        guard let run = try store.run(id: target) else {
            throw SyncError(
                .revertRefused, model: "", "run \(target): no such run; nothing was written",
                hint: "a run's id is in the list of runs", remedy: .listRuns(model: nil))
        }
        let started = now()
        let record = RunRecord(
            id: RunRecord.newID(at: started), model: run.model, source: run.source, trigger: .revert,
            status: .succeeded,
            startedAt: started)
        var lease: LeaseKeeper?
        if !dryRun {
            lease = try LeaseKeeper.acquire(
                model: run.model, holder: LeaseKeeper.holder(runID: record.id), location: location, now: now)
            if lease == nil {
                throw SyncError(
                    .alreadyRunning, model: run.model, "a run of this model is in progress; nothing was reverted",
                    hint: "wait for it to finish (the model's status shows it), then revert")
            }
        }
        defer { lease?.release() }
        return try withoutActuallyEscaping(now) { clock in
            var request = RevertRequest(
                target: target, record: record, force: force, dryRun: dryRun, finish: clock,
                logChanges: project.config.changeRetention != .zero)
            request.destinations = project.model(named: run.model)?.destinations ?? []
            return try store.revert(request)
        }
    }
}

import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

/// How a run was asked for.
public struct SyncOptions: Sendable {
    public var trigger: RunRecord.Trigger = .manual
    /// Resend every trait of every row.
    public var full = false
    /// Read and diff, write nothing.
    public var dryRun = false
    /// Let a run held by `max_removed` through.
    public var force = false
    /// When another run holds the model, wait for it instead of refusing.
    public var waitForLease = false
    /// Apply a result whose shape changed (docs/drift-and-plans.md), as `-- schema: evolve` does.
    public var acceptSchema = false
    /// On a dry run, make the saved plan (`SyncOutcome.plan`) with up to 100 samples.
    public var savePlan = false
    /// Apply only if the run matches this saved plan; otherwise throw `.planMoved`, writing nothing.
    public var plan: SavedPlan?
    /// The run's id, when the caller gave one out before the run started (the API's trigger).
    public var runID: String?
    public init(
        trigger: RunRecord.Trigger = .manual, full: Bool = false, dryRun: Bool = false, force: Bool = false,
        waitForLease: Bool = false, acceptSchema: Bool = false
    ) {
        self.trigger = trigger
        self.full = full
        self.dryRun = dryRun
        self.force = force
        self.waitForLease = waitForLease
        self.acceptSchema = acceptSchema
    }
}

/// What a run did.
public struct SyncOutcome: Sendable {
    public var record: RunRecord
    public var samples: [SampleChange]
    public var dryRun: Bool
    /// Set when `max_removed` held the run: what would have been removed and how to proceed.
    public var blockedMessage: String?
    /// The first rows counted invalid (unusable key, or a value the store cannot hold), with why.
    public var invalidRows: [InvalidRow] = []
    /// What the diff found, for a run that wrote nothing (held, or a plan): what it would have written.
    public var wouldWrite: DiffCounts?
    /// How the result's shape moved since the snapshot; nil on a first run (nothing to compare).
    public var drift: SchemaDrift?
    /// The saved plan of a dry run with `savePlan`.
    public var plan: SavedPlan?
}

/// Progress of a run, for the terminal's live line and the structured log.
public struct SyncProgress: Sendable {
    public var model: String
    public var phase: String
    public var rows: Int
    /// How many rows the phase will see, where that is known: the snapshot's rows while fetching a
    /// rerun (an estimate), the changes while writing.
    public var total: Int?
    public var elapsed: Duration
}

/// Runs one model (docs/how-it-works.md): stream the result in key order, diff it against the snapshot, guard
/// against mass removal, and commit the changes and the run record in one store transaction.
public final class SyncRunner: Sendable {
    public let project: Project
    public let store: StoreLocation
    public let progress: @Sendable (SyncProgress) -> Void

    public init(project: Project, progress: @escaping @Sendable (SyncProgress) -> Void = { _ in }) {
        self.project = project
        self.store = project.storeLocation
        self.progress = progress
    }

    /// Why a run whose sources did not change is recorded `skipped` (docs/cost.md).
    public static let unchangedReason = "sources unchanged"

    /// Why a run cancelled before its commit is recorded `skipped`.
    public static let cancelledReason =
        "cancelled: the run was stopped before it committed (a shutdown or an interrupt); nothing was written"

    /// Runs `model` on the calling thread (blocking); `token` cancels the query on the server.
    /// - Throws: `SyncError`, `ConnectorError` or `StoreError`; a failed run is recorded first.
    public func run(
        _ model: Model, options: SyncOptions, token: CancellationToken = CancellationToken(),
        now: @Sendable () -> Date = { Date() }
    ) throws -> SyncOutcome {
        let started = now()
        var record = RunRecord(
            id: options.runID ?? RunRecord.newID(at: started), model: model.name, source: model.source ?? "",
            trigger: options.trigger, status: .running, startedAt: started)
        record.reads = model.dbtReads
        let store = try self.store.open(readingOnly: options.dryRun)
        var lease: LeaseKeeper?
        if !options.dryRun {
            let holder = LeaseKeeper.holder(runID: record.id)
            lease = try LeaseKeeper.acquire(
                model: model.name, holder: holder, location: self.store, wait: options.waitForLease,
                cancelled: { token.isCancelled }, now: now)
            if lease == nil {
                throw SyncError(
                    .alreadyRunning, model: model.name, "another run of this model is in progress",
                    hint: "wait for it to finish (the model's status shows it), or let this run wait for it",
                    remedy: .repeatWith(options: ["--wait"]))
            }
            // The run starts once it holds the lease: a run that waited for another never overlaps it.
            record.startedAt = now()
            // After the lease: a checkpoint that copies the lease's own write too leaves the log fully
            // copied, so the commit can start it over instead of appending (docs/operations.md, Durability).
            store.startCheckpoint()
        }
        defer { lease?.release() }
        do {
            return try execute(model, options, &record, store, token, now, leaseHolder: lease?.holder)
        } catch let error as SyncError where error.code == .planMoved {
            throw error  // a plan that no longer matches writes nothing, not even a run record
        } catch {
            // A run stopped on purpose (shutdown, interrupt) did not fail: it wrote nothing and is skipped.
            record.status = token.isCancelled ? .skipped : .failed
            record.finishedAt = now()
            record.error =
                token.isCancelled
                ? Self.cancelledReason : project.secrets.redact("\(error)")
            record.errorCode = token.isCancelled ? RunRecord.Codes.cancelled : ErrorCodes.of(error)
            // The commit is one transaction: a run that ends here wrote nothing, whatever its diff counted.
            record.counts = DiffCounts(rowsRead: record.counts.rowsRead, invalid: record.counts.invalid)
            if !options.dryRun { try? store.record(record) }
            throw error
        }
    }

    /// The run's stages, in order (`RunStages`); the first that ends the run gives its outcome.
    private func execute(
        _ model: Model, _ options: SyncOptions, _ record: inout RunRecord, _ store: any Store,
        _ token: CancellationToken, _ now: @Sendable () -> Date, leaseHolder: String?
    ) throws -> SyncOutcome {
        guard let sourceName = model.source, let sourceConfig = project.config.sources[sourceName] else {
            throw SyncError(.missingColumn, model: model.name, "source \(model.source ?? "?") is not configured")
        }
        let clock = ContinuousClock()
        let began = clock.now
        let report: @Sendable (String, Int, Int?) -> Void = { [progress] phase, rows, total in
            progress(
                SyncProgress(model: model.name, phase: phase, rows: rows, total: total, elapsed: clock.now - began))
        }
        report("connect", 0, nil)
        // The stages hold the clock only while the run lasts.
        return try withoutActuallyEscaping(now) { now in
            var run = RunStages(
                runner: self, model: model, options: options, store: store, token: token, now: now,
                leaseHolder: leaseHolder, report: report, record: record, sourceConfig: sourceConfig)
            defer {
                run.close()
                record = run.record  // a failed run is recorded with what it had read
            }
            try run.prepare()
            let (skipped, estimates) = try run.probeAndSkip()
            if let skipped { return skipped }
            if let held = try run.checkBudget(estimates: estimates) { return held }
            try run.checkPlanBeforeQuery()
            try run.runDiff()
            try run.checkResult()
            if let ended = try run.guardChanges() { return ended }
            return try run.commit()
        }
    }
}

import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

extension RunStages {
    /// Drift, `max_removed`, `max_changed` and a saved plan's figures may hold the run; a dry run
    /// ends here with what it would write. Nil when the run goes on to its commit.
    mutating func guardChanges() throws -> SyncOutcome? {
        guard let diff, let spool else { return nil }
        let counts = diff.counts
        drift = info?.schema.map {
            SchemaDrift(
                previous: $0, current: diff.schema, droppedProfiles: diff.droppedTraitProfiles,
                keepsDropped: model.onRemove == .keep)
        }
        let hold = runner.hold(model, options, info: info, drift: drift, diff: diff)
        var plan: SavedPlan?
        if options.savePlan || options.plan != nil {
            let digest = XXH3Digest()
            try spool.canonicalBytes(traitNames: diff.traitNames) { digest.update($0) }
            plan = runner.savedPlan(model, info, changeSetDigest: digest.hex)
            plan?.counts = counts
            plan?.samples = diff.samples
            plan?.drift = drift?.lines ?? []
            // What would hold the run by itself, before --force or --accept-schema lift it: the same
            // for the plan a reviewer read and for the sync that applies it with those flags.
            var reviewing = options
            reviewing.force = false
            reviewing.acceptSchema = false
            reviewing.plan = nil
            plan?.held = runner.hold(model, reviewing, info: info, drift: drift, diff: diff)?.message
        }
        if let expected = options.plan, let plan {
            let moved = expected.moved(comparedWith: plan)
            if !moved.isEmpty { throw SyncRunner.planMoved(model, moved) }
        }
        if let hold, !options.dryRun {
            // Rolled back before the run is recorded: on SQLite its transaction would keep the record out.
            streamed?.abandon()
            record.status = .blocked
            record.finishedAt = now()
            record.error = hold.message + "; nothing was written. " + hold.hint
            record.errorCode = RunRecord.Codes.held
            try store.record(record)
            return SyncOutcome(
                record: record, samples: diff.samples, dryRun: false, blockedMessage: record.error,
                invalidRows: diff.invalidRows, wouldWrite: counts, drift: drift)
        }
        if options.dryRun {
            record.counts = counts  // a plan's counts are what a sync would write; its output says so (dry_run)
            record.status = .succeeded
            record.finishedAt = now()
            return SyncOutcome(
                record: record, samples: diff.samples, dryRun: true, blockedMessage: hold?.message,
                invalidRows: diff.invalidRows, wouldWrite: counts, drift: drift, plan: plan)
        }
        return nil
    }

    /// Writes the changes, the snapshot, the change log, the outbox and the run record in one store
    /// transaction; then swaps a warehouse-side diff's table and prunes the change log.
    mutating func commit() throws -> SyncOutcome {
        guard let diff, let spool else { throw SyncError(.missingColumn, model: model.name, "no diff to commit") }
        let counts = diff.counts
        let changeCount = spool.count
        report("write", 0, changeCount)
        record.counts = counts
        record.status = .succeeded
        if let streamed {
            let (settled, invalidRows) = (record, diff.invalidRows)
            let schema = diff.schema.keepingKnownTypes(of: info?.schema)
            let snapshotRows = counts.snapshotRows + diff.keptRows
            record = try streamed.settle(changes: changeCount, finish: now) { finishedAt in
                var final = settled
                final.finishedAt = finishedAt
                return StreamedCommit.Settlement(
                    record: final, snapshotRows: snapshotRows, schema: schema, invalidRows: invalidRows)
            }
            self.streamed = nil
            return try finishCommit(record)
        }
        record.finishedAt = now()
        let snapshotRows = counts.snapshotRows + diff.keptRows
        let traits = diff.traitNames
        let retention = runner.project.config.changeRetention
        let (runner, model, report, token, state) = (self.runner, self.model, self.report, self.token, self)
        let committed = try withoutActuallyEscaping(now) { clock in
            var commit = RunCommit(
                record: state.record, traitNames: diff.traitNames, previousTraitNames: diff.previousTraitNames,
                snapshotRows: snapshotRows, changes: spool, finish: clock,
                checkOwnership: { owners in try runner.checkTraitOwnership(model, traits: traits, owners: owners) },
                leaseHolder: state.leaseHolder)
            commit.logChanges = retention != .zero
            commit.schema = diff.schema.keepingKnownTypes(of: state.info?.schema)
            commit.sourceState = state.sourceState
            commit.destinations = model.destinations
            commit.scratch = state.warehouseDiff?.state
            commit.invalidRows = diff.invalidRows
            commit.onProgress = { written in report("write", written, changeCount) }
            commit.isCancelled = { token.isCancelled }
            return try state.store.commit(commit)
        }
        return try finishCommit(committed)
    }

    /// After the commit: swaps a warehouse-side diff's table and prunes the change log.
    private mutating func finishCommit(_ committed: RunRecord) throws -> SyncOutcome {
        guard let diff else { throw SyncError(.missingColumn, model: model.name, "no diff to commit") }
        // The swap: the previous table goes once the store records this run's (docs/warehouse-diff.md).
        warehouseDiff?.swap()
        warehouseDiff = nil
        // Pruning the change log is upkeep after the commit: it never holds up or fails the run.
        if let retention = runner.project.config.changeRetention {
            let seconds = Double(retention.components.seconds)
            _ = try? store.pruneChanges(
                before: committed.finishedAt?.addingTimeInterval(-seconds) ?? committed.startedAt)
        }
        return SyncOutcome(
            record: committed, samples: diff.samples, dryRun: false, blockedMessage: nil, invalidRows: diff.invalidRows,
            drift: drift)
    }

    /// Whether the commit starts before the read: a first sync (no snapshot rows) that will write
    /// (not a dry run or a plan) of a client-side diff. Its transaction is open while the rows are read.
    var streamsCommit: Bool {
        (info?.rows ?? 0) == 0 && !options.dryRun && !options.savePlan && options.plan == nil
            && model.diffMode == .client
    }

    /// Begins the first sync's commit on a thread of its own, reading the changes as `spool` gets them.
    func startStreamedCommit(following spool: ChangeSpool) -> StreamedCommit {
        let follower = spool.follow()
        var started = record
        started.status = .succeeded
        started.finishedAt = now()  // the profiles' updated_at: when their writing began
        var commit = RunCommit(
            record: started, traitNames: [], previousTraitNames: info?.traitNames ?? [], snapshotRows: 0,
            changes: follower, finish: { Date() }, leaseHolder: leaseHolder)  // `finish`: the settlement's
        commit.logChanges = runner.project.config.changeRetention != .zero
        commit.sourceState = sourceState
        commit.destinations = model.destinations
        let token = token
        commit.isCancelled = { token.isCancelled }
        let (runner, model, report) = (runner, model, report)
        return StreamedCommit(
            start: commit, follower: follower, location: runner.store,
            checkOwnership: { try runner.checkTraitOwnership(model, traits: $0, owners: $1) },
            progress: { report("write", $0, $1) })
    }

    /// Ends what the run opened, on every path: the snapshot cursor (closing twice does nothing),
    /// and a warehouse-side diff's own table when the run did not commit.
    func close() {
        cursor?.close()
        streamed?.abandon()
        warehouseDiff?.discard()
    }
}

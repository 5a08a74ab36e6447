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
        let store = try self.store.open(readingOnly: options.dryRun)
        if !options.dryRun { store.startCheckpoint() }
        var lease: LeaseKeeper?
        if !options.dryRun {
            let holder = LeaseKeeper.holder(runID: record.id)
            lease = try LeaseKeeper.acquire(
                model: model.name, holder: holder, location: self.store, wait: options.waitForLease,
                cancelled: { token.isCancelled }, now: now)
            if lease == nil {
                throw SyncError(
                    .alreadyRunning, model: model.name, "another run of this model is in progress",
                    hint: "wait for it to finish (warehouse-sync status shows it), or pass --wait")
            }
            // The run starts once it holds the lease: a run that waited for another never overlaps it.
            record.startedAt = now()
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
            if !options.dryRun { try? store.record(record) }
            throw error
        }
    }

    private func execute(
        _ model: Model, _ options: SyncOptions, _ record: inout RunRecord, _ store: any Store,
        _ token: CancellationToken, _ now: @Sendable () -> Date, leaseHolder: String?
    ) throws -> SyncOutcome {
        guard let sourceName = model.source, let sourceConfig = project.config.sources[sourceName] else {
            throw SyncError(.missingColumn, model: model.name, "source \(model.source ?? "?") is not configured")
        }
        let clock = ContinuousClock()
        let began = clock.now
        let report = { [progress] (phase: String, rows: Int, total: Int?) in
            progress(
                SyncProgress(model: model.name, phase: phase, rows: rows, total: total, elapsed: clock.now - began))
        }
        report("connect", 0, nil)
        // A BigQuery bytes budget is the connection's maximum bytes billed: the warehouse stops the query.
        let source = try SourceHandle(
            config: options.force ? sourceConfig : BudgetCheck.capped(sourceConfig, by: model.budget),
            projectDirectory: project.directory)
        let tag = SessionTag(model: model.name, runID: record.id)
        var queryOptions = QueryOptions(
            timeout: model.timeout ?? sourceConfig.statementTimeout, tag: tag, cancellation: token)
        var compiled: [Column] = []
        if sourceConfig.kind == .postgres || sourceConfig.kind == .sqlite || model.diffMode == .warehouse {
            // Compiling the model as written (free on these sources) checks its columns against its
            // header before the wrapped query could fail with an error about SQL the user never wrote.
            // A warehouse-side diff needs the columns to write its SQL.
            do {
                compiled = try source.compile(model.sql, options: queryOptions)
            } catch let error as ConnectorError {
                throw error.located(in: model, sent: model.sql)
            }
            try ResultColumns.checkModelColumns(compiled, model: model)
        }
        let info = try store.snapshotInfo(model: model.name)
        // Read before the snapshot cursor opens: the PostgreSQL store streams it on this connection.
        let storeID = model.diffMode == .warehouse ? try store.storeID() : ""
        // The sources' counters are read before the query: a change committed while it runs is
        // seen by the next run (docs/cost.md).
        let probeClock = ContinuousClock()
        let probeStart = probeClock.now
        let probed = try PreRunProbe.run(
            model.sql, model: model.name, on: source, previousRun: info?.sourceState?.run,
            probeSources: model.skipUnchanged && options.plan == nil, region: sourceConfig.region ?? "us",
            options: queryOptions)
        var sourceState: SourceState?
        if let probe = probed.sources {
            // The day as the warehouse's CURRENT_DATE reads it: PostgreSQL sessions are pinned to UTC,
            // and Redshift's and BigQuery's default to it (Snowflake's date dependence never skips).
            let today = SourceState.day(now(), in: TimeZone(identifier: "UTC")!)
            // An edit of the source's connection settings counts as an edit of the model.
            let digest = XXH3Digest.hex(of: model.fileDigest + "\n" + sourceConfig.connectionDigest)
            sourceState = SourceState(
                fileDigest: digest, relations: probe.relations, plan: probe.plan, day: today, run: record.id)
            let previousRun = try store.runs(model: model.name, limit: 1).first?.startedAt
            if !options.full, !options.dryRun,
                info?.sourceState?.allowsSkip(
                    probe, fileDigest: digest, today: today,
                    sincePreviousRun: previousRun.map { .seconds(record.startedAt.timeIntervalSince($0)) },
                    statisticsLag: sourceConfig.statisticsLag) == true,
                try !swapPending(model, info, sourceConfig, source, storeID, queryOptions)
            {
                record.status = .skipped
                record.finishedAt = now()
                record.error = Self.unchangedReason
                record.cost = ["probe_ms": Double((probeClock.now - probeStart).milliseconds)]
                try store.record(record)
                return SyncOutcome(record: record, samples: [], dryRun: false, blockedMessage: nil)
            }
        }
        if !probed.estimates.isEmpty { record.cost = probed.estimates }
        var budgetCap: BudgetCheck.Cap?
        if let budget = model.budget {
            switch try BudgetCheck.check(
                budget, model: model, source: source, estimates: probed.estimates,
                force: options.force, options: queryOptions)
            {
            case .held(let message):
                record.status = .blocked
                record.finishedAt = now()
                record.error = message
                if !options.dryRun { try store.record(record) }
                return SyncOutcome(record: record, samples: [], dryRun: options.dryRun, blockedMessage: message)
            case .capped(let cap):
                budgetCap = cap
                queryOptions.timeout = min(queryOptions.timeout ?? cap.timeout, cap.timeout)
            case .within:
                break
            }
        }

        if let plan = options.plan {
            // What can be checked before the query is checked first: a plan that moved costs no warehouse time.
            let moved = plan.moved(
                comparedWith: savedPlan(model, info, changeSetDigest: plan.changeSetDigest), figures: false)
            if !moved.isEmpty { throw Self.planMoved(model, moved) }
        }
        let cursor = try store.snapshotCursor(model: model.name)
        defer { cursor.close() }  // on a failed run; closing twice does nothing
        let spool = try ChangeSpool()
        var diff = DiffReceiver(
            model: model, cursor: cursor, previousTraitNames: info?.traitNames ?? [], spool: spool, full: options.full,
            hashing: XXH3Hashing(), json: try JSONValidator())
        if options.savePlan || options.plan != nil { diff.sampleLimit = SavedPlan.sampleLimit }
        diff.invalidRowLimit = RunCommit.invalidRowLimit
        let expected = info?.rows
        diff.onProgress = { rows in report("fetch", rows, expected) }
        report("query", 0, nil)
        var stats: QueryStats
        var warehouseDiff: WarehouseDiff?
        // A run that does not commit leaves no table of its own in the scratch schema.
        defer { warehouseDiff?.discard() }
        do {
            if model.diffMode == .warehouse {
                let run = try WarehouseDiff(
                    model: model, config: sourceConfig, dialect: source.dialect, columns: compiled,
                    storeID: storeID, runID: record.id, recorded: info?.scratch, full: options.full,
                    dryRun: options.dryRun, options: queryOptions)
                warehouseDiff = run
                let rows = try run.materialize(model.sql)
                report("fetch", 0, nil)
                stats = try run.stream(into: &diff, rows: rows, dryRun: options.dryRun)
                record.cost = (record.cost ?? [:]).merging(
                    ["warehouse_diff_ms": Double(run.warehouseTime.milliseconds)]) { $1 }
            } else {
                stats = try source.connection.stream(
                    source.dialect.orderedByKey(model.sql, key: model.key), options: queryOptions, into: &diff)
            }
        } catch let error as ConnectorError {
            throw BudgetCheck.explain(error, cap: budgetCap, model: model)
                ?? error.located(in: model, sent: source.dialect.orderedByKey(model.sql, key: model.key))
        }
        try diff.finish()
        cursor.close()
        if warehouseDiff?.streamedDuplicates == true && diff.duplicateKeys == 0 {
            // Only the rows of keys the warehouse counted twice came: never commit them as the result.
            throw SyncError(
                .duplicateKeys, model: model.name,
                "the warehouse counted keys of \(model.key) more than once that differ by their bytes; nothing was "
                    + "written",
                hint: "report this with the key column's type and collation; -- diff: client syncs this model meanwhile"
            )
        }
        try checkTraitOwnership(model, traits: diff.traitNames, owners: try store.traitNamesByModel())
        if let costSQL = CostQueries.sql(for: source.dialect, tag: tag, region: sourceConfig.region ?? "us"),
            let row = try? source.connection.collectFirstRow(
                costSQL, options: QueryOptions(timeout: .seconds(30), tag: tag))
        {
            record.cost = CostQueries.measures(for: source.dialect, row: row)
        }
        if !stats.serverMeasures.isEmpty { record.cost = (record.cost ?? [:]).merging(stats.serverMeasures) { $1 } }

        let counts = diff.counts
        // Until the commit, the record says only what was read: what the diff found is written,
        // or reported as what would have been (blocked runs, plans), never recorded as written.
        record.rowsRead = counts.rowsRead
        record.invalid = counts.invalid
        record.queryMs = stats.queryTime.milliseconds
        record.fetchMs = stats.fetchTime.milliseconds
        record.bytesReceived = stats.bytes

        if diff.duplicateKeys > 0 {
            let listed = diff.duplicates.map { "\($0.key) (\($0.count) rows)" }.joined(separator: ", ")
            throw SyncError(
                .duplicateKeys, model: model.name,
                "\(diff.duplicateKeys) key value\(diff.duplicateKeys == 1 ? "" : "s") of \(model.key) appear more than "
                    + "once: \(listed)\(diff.duplicateKeys > diff.duplicates.count ? ", ..." : ""); nothing was "
                    + "written",
                hint: "make \(model.key) unique in the query (GROUP BY \(model.key), or DISTINCT ON)")
        }
        let drift = info?.schema.map {
            SchemaDrift(
                previous: $0, current: diff.schema, droppedProfiles: diff.droppedTraitProfiles,
                keepsDropped: model.onRemove == .keep)
        }
        let hold = self.hold(model, options, info: info, drift: drift, diff: diff)
        var plan: SavedPlan?
        if options.savePlan || options.plan != nil {
            let digest = XXH3Digest()
            try spool.canonicalBytes(traitNames: diff.traitNames) { digest.update($0) }
            plan = savedPlan(model, info, changeSetDigest: digest.hex)
            plan?.counts = counts
            plan?.samples = diff.samples
            plan?.drift = drift?.lines ?? []
            // What would hold the run by itself, before --force or --accept-schema lift it: the same
            // for the plan a reviewer read and for the sync that applies it with those flags.
            var reviewing = options
            reviewing.force = false
            reviewing.acceptSchema = false
            reviewing.plan = nil
            plan?.held = self.hold(model, reviewing, info: info, drift: drift, diff: diff)?.message
        }
        if let expected = options.plan, let plan {
            let moved = expected.moved(comparedWith: plan)
            if !moved.isEmpty { throw Self.planMoved(model, moved) }
        }
        if let hold, !options.dryRun {
            record.status = .blocked
            record.finishedAt = now()
            record.error = hold.message + "; nothing was written. " + hold.hint
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
        let changeCount = spool.count
        report("write", 0, changeCount)
        record.counts = counts
        record.status = .succeeded
        record.finishedAt = now()
        let snapshotRows = counts.snapshotRows + diff.keptRows
        let traits = diff.traitNames
        let retention = project.config.changeRetention
        let committed = try withoutActuallyEscaping(now) { clock in
            var commit = RunCommit(
                record: record, traitNames: diff.traitNames, previousTraitNames: diff.previousTraitNames,
                snapshotRows: snapshotRows, changes: spool, finish: clock,
                checkOwnership: { [self] owners in try checkTraitOwnership(model, traits: traits, owners: owners) },
                leaseHolder: leaseHolder)
            commit.logChanges = retention != .zero
            commit.schema = diff.schema.keepingKnownTypes(of: info?.schema)
            commit.sourceState = sourceState
            commit.destinations = model.destinations
            commit.scratch = warehouseDiff?.state
            commit.invalidRows = diff.invalidRows
            commit.onProgress = { written in report("write", written, changeCount) }
            commit.isCancelled = { token.isCancelled }
            return try store.commit(commit)
        }
        // The swap: the previous table goes once the store records this run's (docs/warehouse-diff.md).
        warehouseDiff?.swap()
        warehouseDiff = nil
        // Pruning the change log is upkeep after the commit: it never holds up or fails the run.
        if let retention {
            let seconds = Double(retention.components.seconds)
            _ = try? store.pruneChanges(
                before: committed.finishedAt?.addingTimeInterval(-seconds) ?? committed.startedAt)
        }
        return SyncOutcome(
            record: committed, samples: diff.samples, dryRun: false, blockedMessage: nil, invalidRows: diff.invalidRows,
            drift: drift)
    }
}

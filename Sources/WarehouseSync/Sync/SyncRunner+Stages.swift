import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

/// One run between its lease and its end, in the stages `SyncRunner.execute` takes in order:
/// prepare (connect and compile), probe and skip, budget, the plan's early check, diff, the checks
/// after the diff (duplicates, ownership, cost), guards (holds, plans, dry runs), and commit. A stage
/// that ends the run returns its outcome; the next stage runs only when it returns nil.
struct RunStages {
    let runner: SyncRunner
    let model: Model
    let options: SyncOptions
    let store: any Store
    let token: CancellationToken
    let now: @Sendable () -> Date
    let leaseHolder: String?
    let report: @Sendable (String, Int, Int?) -> Void
    var record: RunRecord

    let sourceConfig: SourceConfig
    var source: (any Warehouse)!
    var queryOptions = QueryOptions()
    var tag: SessionTag { SessionTag(model: model.name, runID: record.id) }
    var compiled: [Column] = []
    var info: SnapshotInfo?
    var storeID = ""
    var sourceState: SourceState?
    var budgetCap: BudgetCheck.Cap?
    /// Open from the diff until the commit; closed by `close` on every path.
    var cursor: (any SnapshotCursor)?
    var spool: ChangeSpool?
    var diff: DiffReceiver?
    var stats = QueryStats()
    var warehouseDiff: WarehouseDiff?
    /// A first sync's commit, written while the rows are read; settled or abandoned by the run.
    var streamed: StreamedCommit?
    var drift: SchemaDrift?

    /// Connects to the source and, where compiling is free (or a warehouse-side diff needs the
    /// columns), compiles the model as written and checks its columns against its header.
    mutating func prepare() throws {
        // A bytes budget is a cap the warehouse enforces, where it can (BudgetAssessment.enforcedByWarehouse).
        let cap = model.budget.flatMap { $0.unit == .bytes && !options.force ? $0.limit : nil }
        source = try sourceConfig.open(projectDirectory: runner.project.directory, maximumBytesBilled: cap)
        queryOptions = QueryOptions(
            timeout: model.timeout ?? sourceConfig.statementTimeout, tag: tag, cancellation: token)
        if source.capabilities.contains(.compilesInPlace) || model.diffMode == .warehouse {
            // Before the wrapped query could fail with an error about SQL the user never wrote.
            do {
                compiled = try source.compile(model.sql, options: queryOptions)
            } catch let error as ConnectorError {
                throw error.located(in: model, sent: model.sql)
            }
            try ResultColumns.checkModelColumns(compiled, model: model)
        }
        info = try store.snapshotInfo(model: model.name)
        // Read before the snapshot cursor opens: the PostgreSQL store streams it on this connection.
        storeID = model.diffMode == .warehouse ? try store.storeID() : ""
    }

    /// Reads the sources' counters before the query (a change committed while it runs is seen by the
    /// next run, docs/cost.md) and records the run skipped when nothing it reads moved.
    mutating func probeAndSkip() throws -> (outcome: SyncOutcome?, estimates: [String: Double]) {
        let probeClock = ContinuousClock()
        let probeStart = probeClock.now
        let probed = try source.probe(
            model.sql, model: model.name, previousRun: info?.sourceState?.run,
            probeSources: model.skipUnchanged && options.plan == nil, options: queryOptions)
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
                try !runner.swapPending(model, info, sourceConfig, source, storeID, queryOptions)
            {
                record.status = .skipped
                record.finishedAt = now()
                record.error = SyncRunner.unchangedReason
                record.errorCode = RunRecord.Codes.unchanged
                record.cost = ["probe_ms": Double((probeClock.now - probeStart).milliseconds)]
                try store.record(record)
                return (SyncOutcome(record: record, samples: [], dryRun: false, blockedMessage: nil), probed.estimates)
            }
        }
        if !probed.estimates.isEmpty { record.cost = probed.estimates }
        return (nil, probed.estimates)
    }

    /// Holds a run whose estimate is over `-- budget`, or caps its query at the budget.
    mutating func checkBudget(estimates: [String: Double]) throws -> SyncOutcome? {
        guard let budget = model.budget else { return nil }
        switch try BudgetCheck.check(
            budget, model: model, source: source, sourceName: sourceConfig.name, estimates: estimates,
            force: options.force, options: queryOptions)
        {
        case .held(let message):
            record.status = .blocked
            record.finishedAt = now()
            record.error = message
            record.errorCode = RunRecord.Codes.overBudget
            if !options.dryRun { try store.record(record) }
            return SyncOutcome(record: record, samples: [], dryRun: options.dryRun, blockedMessage: message)
        case .capped(let cap):
            budgetCap = cap
            queryOptions.timeout = min(queryOptions.timeout ?? cap.timeout, cap.timeout)
        case .within:
            break
        }
        return nil
    }

    /// What of a saved plan can be checked before the query: a plan that moved costs no warehouse time.
    func checkPlanBeforeQuery() throws {
        guard let plan = options.plan else { return }
        let moved = plan.moved(
            comparedWith: runner.savedPlan(model, info, changeSetDigest: plan.changeSetDigest), figures: false)
        if !moved.isEmpty { throw SyncRunner.planMoved(model, moved) }
    }

    /// Streams the result (all of it, or with `-- diff: warehouse` the rows that differ) through the
    /// diff against the snapshot, into the change spool.
    mutating func runDiff() throws {
        // A --full run rewrites every row: its old traits are all needed, so they come with the read.
        let cursor = try store.snapshotCursor(model: model.name, deferringTraits: !options.full)
        self.cursor = cursor
        let spool = try ChangeSpool()
        self.spool = spool
        if streamsCommit { streamed = startStreamedCommit(following: spool) }
        var diff = DiffReceiver(
            model: model, cursor: cursor, previousTraitNames: info?.traitNames ?? [], spool: spool, full: options.full,
            hashing: XXH3Hashing(), json: try JSONValidator())
        if options.savePlan || options.plan != nil { diff.sampleLimit = SavedPlan.sampleLimit }
        // A run that fails while its rows stream is recorded with the rows it had read.
        defer { record.counts.rowsRead = diff.counts.rowsRead }
        diff.invalidRowLimit = RunCommit.invalidRowLimit
        let expected = info?.rows
        let report = self.report
        diff.onProgress = { rows in report("fetch", rows, expected) }
        report("query", 0, nil)
        // A key the model's query returns as text needs no cast column beside it (compiled where that is free).
        let keyIsText = compiled.first { $0.name == model.key }?.textCastIsIdentity ?? false
        var sent = source.dialect.orderedByKey(model.sql, key: model.key, keyIsText: keyIsText)
        do {
            if model.diffMode == .warehouse {
                let run = try WarehouseDiff(
                    model: model, config: sourceConfig, warehouse: source, columns: compiled,
                    storeID: storeID, runID: record.id, recorded: info?.scratch, full: options.full,
                    dryRun: options.dryRun, options: queryOptions)
                warehouseDiff = run
                let rows = try run.materialize(model.sql)
                report("fetch", 0, nil)
                stats = try run.stream(into: &diff, rows: rows, dryRun: options.dryRun)
                record.cost = (record.cost ?? [:]).merging(
                    ["warehouse_diff_ms": Double(run.warehouseTime.milliseconds)]) { $1 }
            } else {
                diff.readsKeyAsIs = keyIsText
                do {
                    stats = try source.connection.stream(sent, options: queryOptions, into: &diff)
                } catch let error as SyncError where error.code == .keyTypeMoved {
                    // Its type changed since the compile (a migration, a rebuilt table): read the key as
                    // the warehouse casts it to text, as a run started now would.
                    diff.readsKeyAsIs = false
                    sent = source.dialect.orderedByKey(model.sql, key: model.key)
                    stats = try source.connection.stream(sent, options: queryOptions, into: &diff)
                }
            }
        } catch let error as ConnectorError {
            if error.code == .query, compiled.isEmpty,
                let columns = try? source.compile(model.sql, options: QueryOptions(timeout: .seconds(60)))
            {
                // The wrapped query failed: a key or trait the result lacks says why in the model's own terms.
                try ResultColumns.checkModelColumns(columns, model: model)
            }
            throw BudgetCheck.explain(error, cap: budgetCap, model: model, warehouse: source)
                ?? error.located(in: model, sent: sent)
        }
        try diff.finish()
        try spool.finishWriting()
        cursor.close()
        self.diff = diff
    }

    /// What the diff must not contain (keys the warehouse counted twice, traits another model
    /// owns), the warehouse's measured cost, and what the record says was read.
    mutating func checkResult() throws {
        guard let diff else { return }
        if warehouseDiff?.streamedDuplicates == true && diff.duplicateKeys == 0 {
            // Only the rows of keys the warehouse counted twice came: never commit them as the result.
            throw SyncError(
                .duplicateKeys, model: model.name,
                "the warehouse counted keys of \(model.key) more than once that differ by their bytes; nothing was "
                    + "written",
                hint: "report this with the key column's type and collation; -- diff: client syncs this model meanwhile"
            )
        }
        try runner.checkTraitOwnership(model, traits: diff.traitNames, owners: try store.traitNamesByModel())
        if let costSQL = source.dialect.costQuery(tag: tag),
            let row = try? source.connection.collectFirstRow(
                costSQL, options: QueryOptions(timeout: .seconds(30), tag: tag))
        {
            record.cost = source.dialect.costMeasures(row: row)
        }
        if !stats.serverMeasures.isEmpty { record.cost = (record.cost ?? [:]).merging(stats.serverMeasures) { $1 } }
        // Until the commit, the record says only what was read: what the diff found is written,
        // or reported as what would have been (blocked runs, plans), never recorded as written.
        record.rowsRead = diff.counts.rowsRead
        record.invalid = diff.counts.invalid
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
    }
}

import Connectors
import Foundation
import SyncCore

/// What may keep a run from writing, or from being skipped: schema drift, `max_removed` and
/// `max_changed` holds, a saved plan that moved, a trait another model owns, a pending swap.
extension SyncRunner {
    /// Whether a `-- diff: warehouse` model's previous run left a swap undone: then it is not skipped.
    func swapPending(
        _ model: Model, _ info: SnapshotInfo?, _ config: SourceConfig, _ source: any Warehouse, _ storeID: String,
        _ options: QueryOptions
    ) throws -> Bool {
        guard model.diffMode == .warehouse, let schema = config.scratchSchema, let dialect = source.diffDialect else {
            return false
        }
        return try WarehouseDiff.swapPending(
            model: model, storeID: storeID, recorded: info?.scratch, schema: schema, dialect: dialect,
            on: source.connection, options: options)
    }

    /// Why the run must not write, and how to let it: schema drift (docs/drift-and-plans.md) unless accepted,
    /// then `max_removed` and `max_changed` unless forced. The hint names every flag the rerun
    /// needs (a dropped trait under `max_changed` needs both). Nil when nothing holds it.
    func hold(
        _ model: Model, _ options: SyncOptions, info: SnapshotInfo?, drift: SchemaDrift?, diff: DiffReceiver
    ) -> (message: String, hint: String)? {
        let drifted = drift.map { !$0.isEmpty } ?? false
        let driftHolds = drifted && model.schemaPolicy == .hold && !options.acceptSchema
        let guarded = options.force ? nil : massChange(model, info: info, diff: diff)
        guard driftHolds || guarded != nil else { return nil }
        var flags: [String] = options.plan == nil ? [] : ["--plan FILE"]
        if driftHolds || (drifted && options.acceptSchema) { flags.append("--accept-schema") }
        if guarded != nil { flags.append("--force") }
        let command = "warehouse-sync sync \(model.name) " + flags.joined(separator: " ")
        if driftHolds, let drift {
            return (
                drift.summary + (guarded.map { "; it would also be held: \($0)" } ?? ""),
                "If the new shape is intended, run: \(command)"
                    + (guarded == nil ? " (or add -- schema: evolve to \(model.file))" : "")
            )
        }
        return (guarded ?? "", "If this is intended, run: \(command)")
    }

    /// What `max_removed` or `max_changed` says of the diff, or nil when neither holds it.
    func massChange(_ model: Model, info: SnapshotInfo?, diff: DiffReceiver) -> String? {
        guard let info else { return nil }
        let counts = diff.counts
        if model.maxRemoved.isExceeded(removed: counts.removed, previous: info.rows) {
            return "would remove \(counts.removed) of \(info.rows) profiles' traits, more than max_removed "
                + "\(model.maxRemoved)"
        }
        if let limit = model.maxChanged, limit.isExceeded(removed: counts.changed, previous: info.rows) {
            let shown = diff.samples.filter { $0.old != nil && $0.new != nil }.prefix(3).map {
                "\($0.key).\($0.trait): \($0.old ?? "-") → \($0.new ?? "-")"
            }
            return "would change \(counts.changed) of \(info.rows) profiles, more than max_changed \(limit)"
                + (shown.isEmpty ? "" : " (for example \(shown.joined(separator: ", ")))")
        }
        return nil
    }

    /// The plan of this run so far: the model file's digest, the snapshot's run, and the change
    /// set's digest given; counts and samples are filled in by the caller.
    func savedPlan(_ model: Model, _ info: SnapshotInfo?, changeSetDigest: String) -> SavedPlan {
        SavedPlan(
            model: model.name, file: model.file, fileDigest: model.fileDigest, snapshotRun: info?.run,
            changeSetDigest: changeSetDigest, counts: DiffCounts(), samples: [], drift: [], held: nil,
            createdAt: formatInstant(Date()))
    }

    static func planMoved(_ model: Model, _ moved: [String]) -> SyncError {
        SyncError(
            .planMoved, model: model.name,
            "the saved plan no longer matches: \(moved.joined(separator: "; ")); nothing was written",
            hint: "review a new plan, then sync the model with it", remedy: .makePlan(model: model.name))
    }

    /// A trait belongs to the model that first wrote it, while that model is in the project: a run
    /// of another model that returns it is refused before anything is written (two models
    /// writing one trait would unset each other's values).
    /// - Throws: `SyncError` (`.traitOwned`) naming both models' files.
    func checkTraitOwnership(_ model: Model, traits: [String], owners: [String: [String]]) throws {
        let written = Set(traits)
        for (other, owned) in owners.sorted(by: { $0.key < $1.key }) where other != model.name {
            guard let owner = project.model(named: other) else { continue }  // a deleted model owns nothing
            let shared = owned.filter(written.contains).sorted()
            guard !shared.isEmpty else { continue }
            throw SyncError(
                .traitOwned, model: model.name,
                "trait\(shared.count == 1 ? "" : "s") \(shared.joined(separator: ", ")) of \(model.file) "
                    + "\(shared.count == 1 ? "is" : "are") already written by model \(owner.name) (\(owner.file)); "
                    + "nothing was written",
                hint:
                    "each trait has one model: rename the column in one of them (AS another_name), or remove it from "
                    + "one"
            )
        }
    }
}

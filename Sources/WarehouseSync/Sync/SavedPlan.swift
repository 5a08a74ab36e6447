import Foundation
import SyncCore

/// What `plan MODEL --out FILE` saves and `sync MODEL --plan FILE` applies (docs/drift-and-plans.md): the run
/// is applied only when the model file, the snapshot's run and the change set are what they
/// were when the plan was saved. The file is JSON (docs/drift-and-plans.md shows it); `format` is 1.
public struct SavedPlan: Codable, Sendable, Equatable {
    public var format = 1
    public var model: String
    /// The model's file, relative to the project.
    public var file: String
    /// XXH3-128 of the model file's bytes, 32 hex digits.
    public var fileDigest: String
    /// The run whose commit made the snapshot the plan was diffed against; nil before the first run.
    public var snapshotRun: String?
    /// XXH3-128 of the change set (`ChangeSpool.canonicalBytes`), 32 hex digits.
    public var changeSetDigest: String
    /// What a sync would write.
    public var counts: DiffCounts
    /// Up to 100 changes, trait by trait.
    public var samples: [SampleChange]
    /// The schema differences found, one line each (empty when none).
    public var drift: [String]
    /// Why a sync of this plan would be held (drift, max_removed, max_changed), nil when it would not.
    public var held: String?
    /// When the plan was made, ISO 8601 UTC.
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case format, model, file, counts, samples, drift, held
        case fileDigest = "file_digest"
        case snapshotRun = "snapshot_run"
        case changeSetDigest = "change_set_digest"
        case createdAt = "created_at"
    }

    /// Every key is written, `snapshot_run` and `held` as null when they have no value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(model, forKey: .model)
        try container.encode(file, forKey: .file)
        try container.encode(fileDigest, forKey: .fileDigest)
        try container.encode(snapshotRun, forKey: .snapshotRun)
        try container.encode(changeSetDigest, forKey: .changeSetDigest)
        try container.encode(counts, forKey: .counts)
        try container.encode(samples, forKey: .samples)
        try container.encode(drift, forKey: .drift)
        try container.encode(held, forKey: .held)
        try container.encode(createdAt, forKey: .createdAt)
    }

    /// Saved plans keep this many sample changes.
    public static let sampleLimit = 100

    /// Reads a plan file.
    /// - Throws: `SyncError` (`.planMoved`) naming the path when it cannot be read, is not a plan,
    ///   or is another model's.
    public static func read(path: String, model: String) throws -> SavedPlan {
        let hint = "pass the file that saving the model's plan wrote"
        let remedy = Remedy.makePlan(model: model)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SyncError(
                .planMoved, model: model, "the plan file \(path) does not exist", hint: hint, remedy: remedy)
        }
        guard !isDirectory.boolValue else {
            throw SyncError(
                .planMoved, model: model, "\(path) is a directory, not a plan file", hint: hint, remedy: remedy)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        // A plan holds at most 100 samples: anything far larger is not one, and is not read into memory.
        guard size <= 64 << 20 else {
            throw SyncError(
                .planMoved, model: model, "\(path) is \(size) bytes, too large to be a plan", hint: hint,
                remedy: remedy)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SyncError(.planMoved, model: model, "cannot read the plan file \(path)", hint: hint, remedy: remedy)
        }
        let plan: SavedPlan
        do {
            plan = try JSONDecoder().decode(SavedPlan.self, from: data)
        } catch {
            throw SyncError(
                .planMoved, model: model, "\(path) is not a saved plan: \(Self.describe(error))", hint: hint,
                remedy: remedy)
        }
        guard plan.format == 1 else {
            throw SyncError(
                .planMoved, model: model, "\(path) is a plan of format \(plan.format); this warehouse-sync reads 1",
                hint: "make the plan again with this warehouse-sync")
        }
        // Bound to what the reviewer read: the file as plan --out wrote it. A key given twice (a
        // reader shows the last, a decoder takes the first), an added field or an edit is refused.
        let text = String(decoding: data, as: UTF8.self)
        guard
            text.trimmingCharacters(in: .whitespacesAndNewlines)
                == plan.json.trimmingCharacters(in: .whitespacesAndNewlines)
        else {
            throw SyncError(
                .planMoved, model: model,
                "\(path) is not as warehouse-sync plan --out wrote it (a field was edited, added or given twice)",
                hint: "review a new plan", remedy: remedy)
        }
        guard plan.model == model else {
            throw SyncError(
                .planMoved, model: model, "\(path) is a plan of model \(plan.model), not \(model)",
                hint: "sync the plan's own model with it", remedy: .applyPlan(model: plan.model, path: path))
        }
        return plan
    }

    /// The plan as the JSON text `read` takes (keys sorted, indented).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) + "\n" } ?? "{}\n"
    }

    /// What moved between this plan and `current` (the same model planned now), one phrase each.
    /// With `figures` false (before the query ran) only the model file and the snapshot are compared.
    public func moved(comparedWith current: SavedPlan, figures: Bool = true) -> [String] {
        var moved: [String] = []
        if file != current.file { moved.append("the plan names the model file \(file), not \(current.file)") }
        if fileDigest != current.fileDigest { moved.append("the model file \(current.file) changed") }
        if snapshotRun != current.snapshotRun {
            moved.append(
                "the snapshot moved from run \(snapshotRun ?? "none (no run yet)") to "
                    + "\(current.snapshotRun ?? "none")")
        }
        guard figures else { return moved }
        if changeSetDigest != current.changeSetDigest {
            var text =
                "the change set differs (the plan: \(counts.added) added, \(counts.changed) changed, "
                + "\(counts.removed) removed; now: \(current.counts.added) added, \(current.counts.changed) "
                + "changed, \(current.counts.removed) removed)"
            // Where the counts agree, the first sample that differs says what moved.
            if let (was, now) = zip(samples, current.samples).first(where: { $0 != $1 }) {
                text += "; for example \(was.key) \(was.trait): "
                text += "the plan \(was.old ?? "∅") → \(was.new ?? "∅"), now "
                text +=
                    (now.key == was.key && now.trait == was.trait)
                    ? "\(now.old ?? "∅") → \(now.new ?? "∅")" : "\(now.key) \(now.trait) changes instead"
            }
            moved.append(text)
            return moved  // the figures below describe the change set the plan no longer matches
        }
        // The figures a reviewer read are binding too: a plan whose text was edited is refused.
        if counts != current.counts {
            moved.append(
                "the plan's counts (\(counts.added) added, \(counts.changed) changed, \(counts.removed) removed, "
                    + "\(counts.unchanged) unchanged) are not the change set's (\(current.counts.added) added, "
                    + "\(current.counts.changed) changed, \(current.counts.removed) removed, "
                    + "\(current.counts.unchanged) unchanged)")
        }
        if samples != current.samples { moved.append("the plan's sample changes are not the change set's") }
        if drift != current.drift { moved.append("the plan's schema drift is not what the model's result shows now") }
        if held != current.held {
            moved.append(
                "the plan says the sync would \(held.map { "be held (\($0))" } ?? "not be held"), but now it would "
                    + (current.held.map { "be held (\($0))" } ?? "not be held"))
        }
        return moved
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "it has no \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        default: "it is not JSON of a plan"
        }
    }
}

import Foundation

/// Which change-log rows to read: every filter that is set must match; newest runs first.
public struct ChangeQuery: Sendable, Equatable {
    public var model: String?
    public var run: String?
    public var key: String?
    /// Changes made at or after this instant.
    public var since: Date?
    public var limit: Int

    public init(model: String? = nil, run: String? = nil, key: String? = nil, since: Date? = nil, limit: Int = 100) {
        self.model = model
        self.run = run
        self.key = key
        self.since = since
        self.limit = limit
    }
}

/// One row of the change log as read back: a trait of a profile that a run changed.
public struct ChangeRecord: Sendable, Equatable {
    public var run: String
    public var model: String
    public var key: String
    public var trait: String
    /// Canonical JSON; nil when the trait had no value before.
    public var old: String?
    /// Canonical JSON; nil when the trait was unset.
    public var new: String?
    /// When the run wrote it, ISO 8601 UTC.
    public var at: String

    public init(run: String, model: String, key: String, trait: String, old: String?, new: String?, at: String) {
        self.run = run
        self.model = model
        self.key = key
        self.trait = trait
        self.old = old
        self.new = new
        self.at = at
    }
}

/// A trait the reverted run changed that a later run changed again.
public struct RevertConflict: Sendable, Equatable {
    public var key: String
    public var trait: String
    /// The latest run that changed it.
    public var laterRun: String

    public init(key: String, trait: String, laterRun: String) {
        self.key = key
        self.trait = trait
        self.laterRun = laterRun
    }
}

/// What `revert` is asked to do: put back what run `target` changed, as the new run `record`.
public struct RevertRequest {
    public var target: String
    /// The new run (trigger `revert`); its model is taken from the target run.
    public var record: RunRecord
    /// Revert traits that later runs changed again too.
    public var force: Bool
    /// Compute the outcome and write nothing.
    public var dryRun: Bool
    /// Stamps the new run's end once its writes are done.
    public var finish: () -> Date
    /// Whether the revert run's own changes go to the change log (`change_retention` not 0).
    public var logChanges: Bool
    /// The model's destinations: what the revert puts back is delivered like any run's changes.
    public var destinations: [String] = []

    public init(
        target: String, record: RunRecord, force: Bool, dryRun: Bool, finish: @escaping () -> Date,
        logChanges: Bool = true
    ) {
        self.target = target
        self.record = record
        self.force = force
        self.dryRun = dryRun
        self.finish = finish
        self.logChanges = logChanges
    }
}

/// What a revert did, or on a dry run or a refusal, would do.
public struct RevertOutcome: Sendable {
    /// The reverted run's model.
    public var model: String
    /// Each trait put back: `old` is its value now, `new` the value it gets back.
    public var entries: [ChangeLogEntry]
    public var conflicts: [RevertConflict]
    /// The committed revert run; nil on a dry run or when conflicts refused it.
    public var record: RunRecord?

    public init(model: String, entries: [ChangeLogEntry], conflicts: [RevertConflict], record: RunRecord?) {
        self.model = model
        self.entries = entries
        self.conflicts = conflicts
        self.record = record
    }
}

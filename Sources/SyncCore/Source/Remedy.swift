/// A command that would help, as data: lower layers name it, and the CLI spells it as a command
/// line (`warehouse-sync runs MODEL`), so no layer below the CLI quotes the CLI's syntax.
public enum Remedy: Sendable, Hashable {
    /// List the runs, of one model or of all: the one to act on is among them.
    case listRuns(model: String?)
    /// Repeat what was asked with these options added (`--wait`).
    case repeatWith(options: [String])
    /// Sync one model with these options (`--force`).
    case sync(model: String, options: [String])
    /// Save a new plan of the model to review.
    case makePlan(model: String)
    /// Sync the model with the plan saved at `path`.
    case applyPlan(model: String, path: String)
}

extension ReportedError {
    /// The command that would help, where there is one; the hint says why.
    public var remedy: Remedy? { nil }
}

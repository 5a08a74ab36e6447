/// What every error WarehouseSync throws says about itself, decided where it is made: a stable
/// code, what failed, what to do, and whether trying again later may succeed. The scheduler
/// retries by `isTransient`, never by the error's type; a failed run records `errorCode` beside
/// its message (`error_code` in `runs --json`, docs/commands.md).
public protocol ReportedError: Error, CustomStringConvertible {
    /// `area.what` in snake case (`warehouse.query_failed`, `store.busy`, `run.duplicate_keys`):
    /// stable across versions, for scripts and alerts to match on.
    var errorCode: String { get }
    /// What failed, without the hint.
    var message: String { get }
    /// What to do about it, where something can be done.
    var hint: String? { get }
    /// Whether a later try of the same work may succeed (a lost connection, a busy store, a full
    /// temporary disk); false for what cannot succeed unchanged (SQL errors, bad data, bad config).
    var isTransient: Bool { get }
    /// The command that would help, where there is one (`Remedy`): the CLI spells it.
    var remedy: Remedy? { get }
}

/// The codes of errors that are not a `ReportedError`, and the spelling all codes share.
public enum ErrorCodes {
    /// An error WarehouseSync did not describe itself (a bug to report).
    public static let unclassified = "internal.unclassified"

    /// `error`'s code.
    public static func of(_ error: any Error) -> String {
        (error as? any ReportedError)?.errorCode ?? unclassified
    }

    /// `area.name` with the name in snake case: "query failed" → `query_failed`.
    public static func code(_ area: String, _ name: String) -> String {
        let words = name.lowercased().split { !$0.isLetter && !$0.isNumber }
        return area + "." + words.joined(separator: "_")
    }
}

extension ConnectorError: ReportedError {
    public var errorCode: String { ErrorCodes.code("warehouse", code.name) }
}

extension SyncError: ReportedError {
    public var remedy: Remedy? { suggested }
    public var errorCode: String { ErrorCodes.code("run", code.name) }
    /// A run's own findings (duplicate keys, missing columns, held runs) do not change on their own;
    /// a key column whose type moved during the run is read as it is now by the next.
    public var isTransient: Bool { code == .keyTypeMoved }
}

extension SpoolError: ReportedError {
    package var errorCode: String { "spool.failed" }
    /// A full temporary directory may have room later.
    package var isTransient: Bool { true }
}

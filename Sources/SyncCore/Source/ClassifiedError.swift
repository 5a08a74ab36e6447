/// An error that says itself whether trying again later may succeed, decided where it is made:
/// the scheduler retries by this, never by the error's type.
public protocol ClassifiedError: Error {
    /// Whether a later try of the same work may succeed (a lost connection, a busy store, a full
    /// temporary disk); false for what cannot succeed unchanged (SQL errors, bad data, bad config).
    var isTransient: Bool { get }
}

extension ConnectorError: ClassifiedError {}

extension SyncError: ClassifiedError {
    /// A run's own findings (duplicate keys, missing columns, held runs) do not change on their own.
    public var isTransient: Bool { false }
}

extension SpoolError: ClassifiedError {
    /// A full temporary directory may have room later.
    package var isTransient: Bool { true }
}

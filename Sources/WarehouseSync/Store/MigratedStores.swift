import Synchronization

/// The stores this process has migrated: a store is migrated once per process, under its lock,
/// and every later connection to it skips the check.
enum MigratedStores {
    private static let done = Mutex<Set<String>>([])

    /// Runs `migrate` unless the store named `identity` was migrated by this process already.
    static func once(_ identity: String, _ migrate: () throws -> Void) throws {
        if done.withLock({ $0.contains(identity) }) { return }
        try migrate()
        done.withLock { _ = $0.insert(identity) }
    }
}

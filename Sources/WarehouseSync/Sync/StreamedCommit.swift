import Foundation
import Stores
import SyncCore

/// A first sync's commit, begun once the first megabyte of changes is spooled, on a thread and a store
/// connection of its own: the store writes each added profile while the warehouse still sends the rest
/// (docs/how-it-works.md). It is still one store transaction. The run settles it with its final
/// figures once the diff's checks and guards have passed, or abandons it, which rolls it back.
///
/// Unchecked: the mutable state is guarded by `condition`; the rest is immutable.
final class StreamedCommit: @unchecked Sendable {
    /// The final figures, and the end of the run as its clock stamps it.
    struct Settlement {
        var record: RunRecord
        var snapshotRows: Int
        var schema: ResultSchema?
        var invalidRows: [InvalidRow]
    }

    private let condition = NSCondition()
    private let follower: SpoolFollower
    /// Set once the commit thread has written every change and waits for the figures.
    private var written = false
    /// How many changes the run has, set once it waits for the commit: from then on the commit
    /// reports its progress against it.
    private var handedOverChanges: Int?
    private var settlement: Settlement?
    private var abandoned = false
    private var result: Result<RunRecord, any Error>?

    /// Starts the commit thread, which waits for the first changes before it begins the transaction.
    /// - Parameters:
    ///   - start: the commit as far as it is known before the read: `record` stamped with the time the
    ///     writing starts (the profiles' `updated_at`); its trait names come from `follower`.
    ///   - location: the store, opened again for the thread.
    ///   - checkOwnership: given the trait names, the ownership check to run inside the transaction.
    ///   - progress: told how many changes are written, every 4,096, and of how many, once the run waits
    ///     for the commit (before that, the run reports the read's progress).
    init(
        start: RunCommit, follower: SpoolFollower, location: StoreLocation,
        checkOwnership: @escaping @Sendable ([String], [String: [String]]) throws -> Void,
        progress: @escaping @Sendable (_ written: Int, _ of: Int) -> Void
    ) {
        self.follower = follower
        let box = UncheckedBox(start)
        let thread = Thread { [self] in
            let outcome = Result { () throws -> RunRecord in
                guard let traitNames = follower.waitForChanges() else { throw Self.abandonedError }
                var commit = box.value
                commit.traitNames = traitNames
                commit.checkOwnership = { try checkOwnership(traitNames, $0) }
                commit.onProgress = { [self] written in
                    if let total = changesHandedOver { progress(written, total) }
                }
                commit.settle = { [self] in try awaitSettlement(&$0) }
                return try location.open().commit(commit)
            }
            condition.lock()
            result = outcome
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "warehouse-sync first-sync commit"
        thread.start()
    }

    /// Called on the commit thread once every change is written: waits for the run's figures.
    private func awaitSettlement(_ commit: inout RunCommit) throws {
        condition.lock()
        defer { condition.unlock() }
        written = true
        condition.broadcast()
        while settlement == nil && !abandoned { condition.wait() }
        guard let settlement, !abandoned else { throw Self.abandonedError }
        commit.record = settlement.record
        commit.snapshotRows = settlement.snapshotRows
        commit.schema = settlement.schema
        commit.invalidRows = settlement.invalidRows
        let finishedAt = settlement.record.finishedAt ?? settlement.record.startedAt
        commit.finish = { finishedAt }
    }

    /// Waits until every change is written, then hands over the run's final figures (`finish` stamps
    /// its end) and waits for the commit; `changes`: how many the run has, for the write progress.
    /// - Returns: the record as committed.
    /// - Throws: what the commit failed with (`StoreError`, `SpoolError`, a trait-ownership `SyncError`).
    func settle(changes: Int, finish: () -> Date, _ figures: (Date) -> Settlement) throws -> RunRecord {
        condition.lock()
        defer { condition.unlock() }
        handedOverChanges = changes
        while !written && result == nil { condition.wait() }
        if result == nil { settlement = figures(finish()) }
        condition.broadcast()
        while result == nil { condition.wait() }
        return try result!.get()
    }

    private var changesHandedOver: Int? {
        condition.lock()
        defer { condition.unlock() }
        return handedOverChanges
    }

    /// Rolls the commit back, if it was not settled, and waits for its thread to end. Safe to call twice.
    func abandon() {
        follower.abandon()
        condition.lock()
        defer { condition.unlock() }
        if settlement == nil { abandoned = true }
        condition.broadcast()
        while result == nil { condition.wait() }
    }

    private static var abandonedError: StoreError {
        StoreError("the run ended before its commit; its transaction rolled back", code: .cancelled)
    }
}

/// Carries a value that is used by one thread at a time to another thread.
private struct UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

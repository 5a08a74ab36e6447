import Drivers
import Foundation
import SyncCore
import Synchronization

/// Folds committed write-ahead log frames into the store file on a thread of its own, with a
/// connection of its own, while a run reads the warehouse: a run's commit then pays only for
/// writing and syncing the log, and the next run does the copying in the time it spends waiting.
final class SQLiteCheckpointer: Sendable {
    private let finished = DispatchSemaphore(value: 0)
    /// Set on the checkpoint thread before `finished` is signalled; read only after waiting.
    private let failure = Mutex<(any Error)?>(nil)

    init(path: String) {
        let thread = Thread { [self] in
            do {
                let db = try SQLiteDatabase(path: path)
                db.setCheckpointOnClose(false)
                // PASSIVE never waits for readers or writers: it copies what it can now.
                try db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            } catch {
                failure.withLock { $0 = error }
            }
            finished.signal()
        }
        thread.name = "warehouse-sync.checkpoint"
        thread.start()
    }

    /// Blocks until the checkpoint is done; its error, if any. A failed checkpoint loses nothing:
    /// the frames stay in the log, readable, and the next checkpoint copies them.
    @discardableResult
    func wait() -> (any Error)? {
        finished.wait()
        finished.signal()
        return failure.withLock { $0 }
    }
}

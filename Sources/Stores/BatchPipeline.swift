import Foundation

/// Writes a run's batches on a thread of its own, one at a time and in order, while the caller
/// builds the next: with a store on another process (PostgreSQL parsing a `COPY`), the client's
/// work and the server's overlap instead of taking turns.
///
/// The thread owns the connection a batch writes through from `submit` until the batch is done:
/// the caller must not touch it in between. `drain` (or releasing the pipeline, which waits for the
/// batch in flight) hands it back, so a rollback after an error never races a write.
final class BatchPipeline {
    private let state = PipelineState()

    /// Starts the writer thread, named `name` (seen in `ps -L` and debuggers).
    init(name: String) {
        let state = state
        let thread = Thread { state.work() }
        thread.name = name
        thread.start()
    }

    /// Waits until the batch before is written, then hands `job` to the writer thread.
    /// - Throws: the error an earlier batch failed with (the job is then not run).
    func submit(_ job: @escaping () throws -> Void) throws {
        try state.submit(job)
    }

    /// Waits until every submitted batch is written.
    /// - Throws: the first error a batch failed with.
    func drain() throws {
        try state.drain()
    }

    deinit { state.stop() }
}

/// The pipeline's shared state, guarded by `condition`: at most one job, waiting or running (one batch deep).
private final class PipelineState: @unchecked Sendable {
    private let condition = NSCondition()
    private var job: (() throws -> Void)?
    private var running = false
    private var failure: (any Error)?
    private var stopping = false
    private var stopped = false

    func submit(_ next: @escaping () throws -> Void) throws {
        condition.lock()
        defer { condition.unlock() }
        while job != nil || running { condition.wait() }
        if let failure { throw failure }
        job = next
        condition.broadcast()
    }

    func drain() throws {
        condition.lock()
        defer { condition.unlock() }
        while job != nil || running { condition.wait() }
        if let failure { throw failure }
    }

    /// Lets the job in flight finish, drops any not started, and waits for the thread to end.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
    }

    /// The writer thread's loop.
    func work() {
        condition.lock()
        while true {
            while job == nil && !stopping { condition.wait() }
            guard var next = job, !stopping else { break }
            job = nil
            running = true
            condition.unlock()
            var error: (any Error)?
            do { try next() } catch let thrown { error = thrown }
            // The job's captures go before the caller may take back what they hold (a connection whose
            // statements must not be finalized while the caller uses it).
            next = {}
            condition.lock()
            running = false
            if failure == nil, let error { failure = error }
            condition.broadcast()
        }
        job = nil
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}

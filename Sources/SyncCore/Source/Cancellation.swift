import Foundation
import Synchronization

/// Lets another thread stop a blocking query: the connection registers how to cancel its
/// statement on the server (`PQcancel`, `SQLCancel`, `sqlite3_interrupt`), and `cancel()` calls it.
public final class CancellationToken: Sendable {
    private struct State {
        var cancelled = false
        var handler: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    public init() {}

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Installs the way to cancel the statement now running; runs it at once if already cancelled.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { s -> Bool in
            s.handler = handler
            return s.cancelled
        }
        if runNow { handler() }
    }

    /// Removes the handler once its statement is done.
    public func clearHandler() {
        state.withLock { $0.handler = nil }
    }

    public func cancel() {
        let handler = state.withLock { s -> (@Sendable () -> Void)? in
            s.cancelled = true
            return s.handler
        }
        handler?()
    }
}

/// Runs blocking C work on a thread of its own, off Swift's cooperative pool; cancelling the
/// calling task cancels `token`, which reaches the server.
public func runBlocking<T: Sendable>(
    token: CancellationToken = CancellationToken(),
    _ body: @escaping @Sendable (CancellationToken) throws -> T
) async throws -> T {
    try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let thread = Thread {
                continuation.resume(with: Result { try body(token) })
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    } onCancel: {
        token.cancel()
    }
}

/// Sends a server-side cancel again and again until the statement is no longer in flight: a
/// cancel that arrives between two statements is ignored by the server, so one is not enough.
///
/// A send runs outside the lock (`PQcancel` opens a connection and may wait on an unreachable
/// host), so `stop()` never blocks behind one for long: it waits up to `stopWait` for a send in
/// progress and then returns. The handles `send` uses are kept alive by `send` itself
/// (`PGCancelHandle`, `ODBCCancelHandle`, `SQLiteInterrupt` retain their owners), so a late send
/// is safe; the statements that follow a cancelled one tolerate a cancel that arrives late.
final class RepeatingCanceller: Sendable {
    private struct State {
        var active = true
        var sending = false
    }
    private let state = Mutex(State())
    private let send: @Sendable () -> Void
    /// The longest `stop()` waits for a send in progress.
    static let stopWait: Duration = .seconds(2)

    init(_ send: @escaping @Sendable () -> Void) { self.send = send }

    /// Starts cancelling; called from the token's cancel handler.
    func fire() {
        let thread = Thread { [self] in
            while state.withLock({ s in
                if s.active { s.sending = true }
                return s.active
            }) {
                send()
                state.withLock { $0.sending = false }
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
        thread.start()
    }

    func stop() {
        state.withLock { $0.active = false }
        let deadline = ContinuousClock.now + Self.stopWait
        while state.withLock({ $0.sending }) && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.005) }
    }
}

extension CancellationToken {
    /// Cancels with `send` (repeatedly, see `RepeatingCanceller`) while `body` runs.
    package func whileInFlight<T>(cancel send: @escaping @Sendable () -> Void, _ body: () throws -> T) rethrows -> T {
        let canceller = RepeatingCanceller(send)
        onCancel { canceller.fire() }
        defer {
            clearHandler()
            canceller.stop()
        }
        return try body()
    }
}

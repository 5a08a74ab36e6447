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
/// `stop()` returns only once no send is running, so the handle `send` uses may be freed after it.
final class RepeatingCanceller: Sendable {
    private let active = Mutex(true)
    private let send: @Sendable () -> Void

    init(_ send: @escaping @Sendable () -> Void) { self.send = send }

    /// Starts cancelling; called from the token's cancel handler.
    func fire() {
        let thread = Thread { [self] in
            while active.withLock({ isActive in
                if isActive { send() }
                return isActive
            }) {
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
        thread.start()
    }

    func stop() { active.withLock { $0 = false } }
}

extension CancellationToken {
    /// Cancels with `send` (repeatedly, see `RepeatingCanceller`) while `body` runs.
    func whileInFlight<T>(cancel send: @escaping @Sendable () -> Void, _ body: () throws -> T) rethrows -> T {
        let canceller = RepeatingCanceller(send)
        onCancel { canceller.fire() }
        defer {
            clearHandler()
            canceller.stop()
        }
        return try body()
    }
}

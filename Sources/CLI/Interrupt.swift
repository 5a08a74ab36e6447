import Dispatch
import Foundation
import SyncCore

/// Ctrl-C (SIGINT) and SIGTERM during a command that runs models: instead of ending the process
/// where it stands, they cancel the run's token, so the warehouse's query is cancelled on the
/// server and the run ends before its commit, writing nothing; the command then says so.
final class Interrupt {
    let token = CancellationToken()
    private let sources: [any DispatchSourceSignal]

    init() {
        let token = self.token
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { token.cancel() }
            source.resume()
            return source
        }
    }

    var happened: Bool { token.isCancelled }

    /// Gives both signals back their default action.
    func stop() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// The exit status of a command stopped by an interrupt (128 + SIGINT).
    static let exitStatus: Int32 = 130
}

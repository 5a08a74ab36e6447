import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import Synchronization
import WarehouseSync

/// Where a command writes: stdout for results, stderr for diagnostics and progress.
/// Tests capture both; the executable passes the real streams.
public final class Console: Sendable {
    private let lock = Mutex(())
    private let writeOut: @Sendable (String) -> Void
    private let writeErr: @Sendable (String) -> Void
    /// Whether stderr is a terminal (live progress) or not (one structured line per event).
    public let isTerminal: Bool
    /// Applied to everything written: the secrets of each project a command loads are added to it.
    public let redactor = SecretRedactor()

    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void, isTerminal: Bool)
    {
        self.writeOut = out
        self.writeErr = err
        self.isTerminal = isTerminal
    }

    /// The process's own stdout and stderr.
    public static func standard() -> Console {
        Console(
            out: { text in FileHandle.standardOutput.write(Data(text.utf8)) },
            err: { text in FileHandle.standardError.write(Data(text.utf8)) },
            isTerminal: isatty(2) == 1)
    }

    public func print(_ line: String) {
        let text = redactor.redact(line)
        lock.withLock { _ in writeOut(text + "\n") }
    }
    public func error(_ line: String) {
        let text = redactor.redact(line)
        lock.withLock { _ in writeErr(text + "\n") }
    }
    /// Rewrites the current terminal line (progress), without a newline.
    public func status(_ text: String) {
        let text = redactor.redact(text)
        lock.withLock { _ in writeErr("\r\u{1B}[2K" + text) }
    }

    /// Prints one JSON document on stdout.
    public func json(_ value: some Encodable) {
        print(ReportJSON.encode(value))
    }
}

/// Captures a command's output in memory, for tests.
public final class CapturedConsole: Sendable {
    private let text = Mutex((out: "", err: ""))
    public init() {}

    public var console: Console {
        Console(out: { [self] in self.appendOut($0) }, err: { [self] in self.appendErr($0) }, isTerminal: false)
    }
    private func appendOut(_ s: String) { text.withLock { $0.out += s } }
    private func appendErr(_ s: String) { text.withLock { $0.err += s } }
    public var stdout: String { text.withLock { $0.out } }
    public var stderr: String { text.withLock { $0.err } }
}

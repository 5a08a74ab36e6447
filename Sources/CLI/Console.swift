import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// Where a command writes: stdout for results, stderr for diagnostics and progress.
/// Tests capture both; the executable passes the real streams.
public final class Console: @unchecked Sendable {
    private let lock = NSLock()
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
        lock.withLock { writeOut(text + "\n") }
    }
    public func error(_ line: String) {
        let text = redactor.redact(line)
        lock.withLock { writeErr(text + "\n") }
    }
    /// Rewrites the current terminal line (progress), without a newline.
    public func status(_ text: String) {
        let text = redactor.redact(text)
        lock.withLock { writeErr("\r\u{1B}[2K" + text) }
    }

    /// Prints one JSON document on stdout.
    public func json(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        print(String(decoding: data, as: UTF8.self))
    }
}

/// Captures a command's output in memory, for tests.
public final class CapturedConsole: @unchecked Sendable {
    private let lock = NSLock()
    private var outText = ""
    private var errText = ""
    public init() {}

    public var console: Console {
        Console(out: { [self] in self.appendOut($0) }, err: { [self] in self.appendErr($0) }, isTerminal: false)
    }
    private func appendOut(_ s: String) { lock.withLock { outText += s } }
    private func appendErr(_ s: String) { lock.withLock { errText += s } }
    public var stdout: String { lock.withLock { outText } }
    public var stderr: String { lock.withLock { errText } }
}

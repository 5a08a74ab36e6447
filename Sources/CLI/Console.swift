import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import Synchronization
import WarehouseSync

/// Where a command writes: stdout for results, stderr for diagnostics and progress.
/// Tests capture both; the executable passes the real streams.
///
/// A failed write (a full disk, a closed pipe) is never fatal: it is counted, and the command's
/// exit status says that its output was lost (`CLI.run`); `serve` goes on scheduling and reports
/// the lost log lines in `warehouse_sync_log_write_errors_total` (docs/operations.md).
public final class Console: Sendable {
    /// One lock a stream, so lines never interleave and a stalled stderr never holds stdout.
    private let outLock = Mutex(())
    private let lock = Mutex(())
    private let writeOut: @Sendable (String) -> Bool
    private let writeErr: @Sendable (String) -> Bool
    private let failures = Mutex((out: 0, err: 0, firstError: ""))
    /// Whether stderr is a terminal (live progress) or not (one structured line per event).
    public let isTerminal: Bool
    /// Applied to everything written: the secrets of each project a command loads are added to it.
    public let redactor = SecretRedactor()

    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void, isTerminal: Bool)
    {
        self.writeOut = {
            out($0)
            return true
        }
        self.writeErr = {
            err($0)
            return true
        }
        self.isTerminal = isTerminal
    }

    /// Writes through `write(2)` to the two descriptors, reporting each failure instead of trapping.
    init(outDescriptor: Int32, errDescriptor: Int32, isTerminal: Bool) {
        self.writeOut = { DescriptorWriter.write($0, to: outDescriptor) }
        self.writeErr = { DescriptorWriter.write($0, to: errDescriptor) }
        self.isTerminal = isTerminal
    }

    /// The process's own stdout and stderr.
    public static func standard() -> Console {
        Console(outDescriptor: 1, errDescriptor: 2, isTerminal: isatty(2) == 1)
    }

    public func print(_ line: String) {
        let text = Self.printable(redactor.redact(line))
        if !outLock.withLock({ _ in writeOut(text + "\n") }) { failed(out: true) }
    }
    /// A line on stdout that is no command's result (serve's address): a failed write counts as a
    /// lost log line, not as lost output, so it never changes an exit status.
    public func note(_ line: String) {
        let text = Self.printable(redactor.redact(line))
        if !outLock.withLock({ _ in writeOut(text + "\n") }) { failed(out: false) }
    }

    public func error(_ line: String) {
        let text = Self.printable(redactor.redact(line))
        if let queue = errorQueue.withLock({ $0 }) {
            if !queue.offer(text + "\n") { failed(out: false, reason: "the log's reader is not keeping up") }
            return
        }
        if !lock.withLock({ _ in writeErr(text + "\n") }) { failed(out: false) }
    }

    private let errorQueue = Mutex<LineQueue?>(nil)

    /// `text` with every terminal control character other than a line feed and a tab shown as `\x1b`
    /// (a CR before a line feed is dropped): a warehouse's message, a key or a trait value never moves
    /// the cursor, recolours or retitles the terminal that shows it.
    static func printable(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            guard isControl(scalar) else {
                out.append(scalar)
                continue
            }
            if scalar == "\r" && index + 1 < scalars.count && scalars[index + 1] == "\n" { continue }
            let hex = String(scalar.value, radix: 16)
            out.append(contentsOf: ("\\x" + (hex.count < 2 ? "0" : "") + hex).unicodeScalars)
        }
        return String(out)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\n" && scalar != "\t" && (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value))
    }

    /// From now on, stderr lines go through a queue of `capacity` lines that a thread of its own
    /// writes, so a reader that stops reading (a full pipe) never blocks the caller: a line that
    /// finds the queue full is dropped and counted (`lostErrorLines`). For `serve`.
    public func writeErrorsInTheBackground(capacity: Int = 10_000) {
        let queue = LineQueue(capacity: capacity)
        errorQueue.withLock { $0 = queue }
        let thread = Thread { [self] in
            while let text = queue.take() {
                if !lock.withLock({ _ in writeErr(text) }) { failed(out: false) }
            }
        }
        thread.name = "warehouse-sync.log-writer"
        thread.start()
    }

    /// Waits up to `seconds` for the queued stderr lines to be written (at exit).
    public func flushErrors(within seconds: Double) {
        errorQueue.withLock { $0 }?.drain(within: seconds)
    }
    /// Rewrites the current terminal line (progress), without a newline.
    public func status(_ text: String) {
        let text = Self.printable(redactor.redact(text))
        if !lock.withLock({ _ in writeErr("\r\u{1B}[2K" + text) }) { failed(out: false) }
    }

    /// Prints one JSON document on stdout.
    public func json(_ value: some Encodable) {
        print(ReportJSON.encode(value))
    }

    private func failed(out: Bool, reason given: String? = nil) {
        let reason = given ?? String(cString: strerror(errno))
        failures.withLock {
            if out { $0.out += 1 } else { $0.err += 1 }
            if $0.firstError.isEmpty { $0.firstError = reason }
        }
    }

    /// Writes to stdout that failed (the command's main output is then incomplete).
    public var lostOutputWrites: Int { failures.withLock { $0.out } }
    /// Lines of stderr (diagnostics, the service's log) that could not be written.
    public var lostErrorLines: Int { failures.withLock { $0.err } }
    /// The system's reason for the first failed write, such as "No space left on device".
    public var firstWriteError: String { failures.withLock { $0.firstError } }
}

/// Lines waiting for the log writer's thread: bounded, so a stalled reader costs lines, not the caller.
final class LineQueue: Sendable {
    private let state = Mutex((lines: [String](), head: 0))
    private let available = DispatchSemaphore(value: 0)
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// False, and nothing queued, when `capacity` lines wait already.
    func offer(_ line: String) -> Bool {
        let queued = state.withLock { state -> Bool in
            guard state.lines.count - state.head < capacity else { return false }
            state.lines.append(line)
            return true
        }
        if queued { available.signal() }
        return queued
    }

    /// The next line, waiting for one.
    func take() -> String? {
        available.wait()
        return state.withLock { state in
            let line = state.lines[state.head]
            state.head += 1
            if state.head > 1024 && state.head * 2 > state.lines.count {
                state.lines.removeFirst(state.head)
                state.head = 0
            }
            return line
        }
    }

    /// Waits until no line waits, or `seconds` pass.
    func drain(within seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while state.withLock({ $0.lines.count > $0.head }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }
}

/// `write(2)` of a whole text to a descriptor, retried when interrupted or when the descriptor
/// is non-blocking and full; false on any other error (`errno` says which).
enum DescriptorWriter {
    static func write(_ text: String, to descriptor: Int32) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
                    var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&ready, 1, 1000)
                } else {
                    if n == 0 { errno = EIO }
                    return false
                }
            }
            return true
        }
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

import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import Synchronization
import WarehouseSync

/// One structured log line per event on stderr: a JSON object with `ts`, `level`, `event`
/// and the event's fields. Never given secrets: callers pass model names, counts and errors.
struct EventLog: ServiceLog {
    let console: Console
    let now: @Sendable () -> Date

    func addSecrets(_ redactor: SecretRedactor) { console.redactor.add(redactor) }

    var lostLines: Int { console.lostErrorLines }

    /// On stdout, so the event log on stderr stays one JSON object a line.
    func say(_ line: String) { console.print(line) }

    func emit(_ event: String, level: String, _ fields: [String: EventField]) {
        var out: [UInt8] = Array("{\"ts\":".utf8)
        appendJSONString(formatInstant(now()), to: &out)
        out += Array(",\"level\":".utf8)
        appendJSONString(level, to: &out)
        out += Array(",\"event\":".utf8)
        appendJSONString(event, to: &out)
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            out.append(UInt8(ascii: ","))
            appendJSONString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .string(let s): appendJSONString(s, to: &out)
            case .int(let i): out += Array(String(i).utf8)
            case .double(let d): out += Array(String(format: "%.3f", d).utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
        console.error(String(decoding: out, as: UTF8.self))
    }
}

/// Shows a live progress line on a terminal for runs longer than a second.
final class ProgressLine: Sendable {
    private let console: Console
    private let shown = Mutex(false)

    init(console: Console) { self.console = console }

    func update(_ p: SyncProgress) {
        guard console.isTerminal, p.elapsed > .seconds(1) else { return }
        let seconds = Double(p.elapsed.components.seconds) + Double(p.elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(p.rows) / seconds) : 0
        shown.withLock { $0 = true }
        console.status("\(p.model): \(p.phase) \(p.rows.formatted()) rows, \(rate.formatted()) rows/s")
    }

    func clear() {
        let wasShown = shown.withLock { isShown -> Bool in
            defer { isShown = false }
            return isShown
        }
        if wasShown { console.status("") }
    }
}

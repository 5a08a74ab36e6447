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
    func say(_ line: String) { console.note(line) }

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

/// Shows a live progress line on a terminal for runs longer than a second: the phase, rows done,
/// and once the total is known, the total, the percentage and the time left at this phase's rate.
final class ProgressLine: Sendable {
    private let console: Console
    private let state = Mutex((shown: false, phase: "", phaseStart: Duration.zero))

    init(console: Console) { self.console = console }

    func update(_ p: SyncProgress) {
        guard console.isTerminal else { return }
        let phaseStart = state.withLock { state -> Duration in
            if state.phase != p.phase { (state.phase, state.phaseStart) = (p.phase, p.elapsed) }
            return state.phaseStart
        }
        guard p.elapsed > .seconds(1) else { return }
        let seconds = Self.seconds(p.elapsed - phaseStart)
        let rate = seconds > 0 ? Double(p.rows) / seconds : 0
        state.withLock { $0.shown = true }
        console.status("\(p.model): " + Self.describe(phase: p.phase, rows: p.rows, total: p.total, rate: rate))
    }

    /// `fetch 512,000 of ~1,000,000 rows (51%), 200,000 rows/s, about 3 s left`.
    static func describe(phase: String, rows: Int, total: Int?, rate: Double) -> String {
        let unit = phase == "write" ? "changes" : "rows"
        var text = "\(phase) \(rows.formatted())"
        if let total, total > 0 {
            // A rerun's fetch expects the snapshot's rows: an estimate, and never below what came.
            let estimate = phase == "fetch" ? max(total, rows) : total
            let percent = min(100, rows * 100 / estimate)
            text += " of \(phase == "fetch" ? "~" : "")\(estimate.formatted()) \(unit) (\(percent)%)"
            text += ", \(Int(rate).formatted()) \(unit)/s"
            if rate > 0 && rows < estimate {
                text += ", about \(Self.duration(Double(estimate - rows) / rate)) left"
            }
        } else {
            text += " \(unit), \(Int(rate).formatted()) \(unit)/s"
        }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 90 ? "\(Int(seconds.rounded(.up))) s" : "\(Int((seconds / 60).rounded(.up))) min"
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    func clear() {
        let wasShown = state.withLock { state -> Bool in
            defer { state.shown = false }
            return state.shown
        }
        if wasShown { console.status("") }
    }
}

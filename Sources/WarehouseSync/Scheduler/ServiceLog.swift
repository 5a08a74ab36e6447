import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

/// One field of a logged event.
public enum EventField: Sendable {
    case string(String)
    case int(Int)
    case double(Double)
}

/// Where the service and the commands report events: one structured line each (the CLI's
/// `EventLog`). The scheduler knows only this protocol, not the CLI.
public protocol ServiceLog: Sendable {
    /// Reports `event` at `level` (`info`, `warn`, `error`) with its fields.
    func emit(_ event: String, level: String, _ fields: [String: EventField])
    /// Adds secrets to blank out of everything reported from now on.
    func addSecrets(_ redactor: SecretRedactor)
    /// Lines that could not be written (a full disk, a closed pipe) since the process started.
    var lostLines: Int { get }
    /// Tells the person who started the service something once, in words (where the dashboard is).
    func say(_ line: String)
}

extension ServiceLog {
    public func emit(_ event: String, _ fields: [String: EventField] = [:]) { emit(event, level: "info", fields) }
    public func emit(_ event: String, level: String) { emit(event, level: level, [:]) }
}

/// The fields every report of a finished run carries.
public enum RunFields {
    /// The fields of a finished run.
    /// Every field of `RunRecord.fields` but the instants (the line has its own `ts`, and
    /// `duration_s`); the run's id is `run`.
    public static func of(_ r: RunRecord) -> [String: EventField] {
        var f: [String: EventField] = [:]
        for field in RunRecord.fields {
            let name = field.name == "id" ? "run" : field.name
            switch field.get(r) {
            case .text(let text): f[name] = .string(text)
            case .integer(let n): f[name] = .int(Int(n))
            case .measures(let measures):
                for (measure, value) in measures { f["\(name)_\(measure)"] = .double(value) }
            case .null, .instant: break
            }
        }
        if let finished = r.finishedAt { f["duration_s"] = .double(finished.timeIntervalSince(r.startedAt)) }
        return f
    }
}

/// Exit statuses: 0 success, 1 a run failed or was held, 2 a usage, config or model error.
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let runFailed: Int32 = 1
    public static let usage: Int32 = 2
}

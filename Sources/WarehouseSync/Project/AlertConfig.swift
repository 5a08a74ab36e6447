import Foundation
import SyncCore

/// One `[alerts.NAME]` table: where `serve` sends alerts and which (docs/http-api.md).
public struct AlertConfig: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// `POST url` with `{"alert", "model", "run", "status", "message", "at", "dashboard_url"}`.
        case webhook
        /// A Slack incoming webhook: `POST url` with `{"text": ...}`.
        case slack
    }

    public var name: String
    public var kind: Kind
    /// A Slack webhook's URL is its credential: kept as a secret, never logged.
    public var url: Secret
    public var policy: AlertPolicy
    public var line: Int

    public static let defaultConditions: [AlertCondition] = [.failed, .blocked, .recovered, .stale]
}

extension ConfigReader {
    static let alertKeys = ["kind", "url", "on", "failures_before_alert", "max_duration", "max_changed_alert"]

    mutating func alert(named name: String, _ table: TOMLDocument.Table) -> AlertConfig? {
        let before = errors.count
        var kind: AlertConfig.Kind?
        var url: String?
        var policy = AlertPolicy(on: Set(AlertConfig.defaultConditions))
        read(table, allowed: Self.alertKeys) { entry, r in
            switch entry.key {
            case "kind":
                kind = r.kind(entry, of: "alert")
            case "url":
                url = r.httpURL(entry, of: "alert \(name)", example: "${SLACK_WEBHOOK_URL}")
            case "on":
                guard case .strings(let names) = entry.value else {
                    return r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line, "on must be an array of strings",
                            hint: "write on = [\"failed\", \"blocked\", \"recovered\"]"))
                }
                var conditions: Set<AlertCondition> = []
                for name in names {
                    guard let condition = AlertCondition(rawValue: name) else {
                        r.errors.append(
                            ProjectError(
                                file: r.file, line: entry.line, "unknown alert condition \(name)",
                                hint: "the conditions are "
                                    + AlertCondition.allCases.map(\.rawValue).joined(separator: ", ")))
                        continue
                    }
                    conditions.insert(condition)
                }
                policy.on = conditions
            case "failures_before_alert":
                policy.failuresBeforeAlert = r.positive(entry) ?? 1
            case "max_duration":
                policy.maxDuration = r.duration(entry)
            default:
                guard let text = r.string(entry) else { return }
                guard let limit = Model.RemovalLimit(parsing: text) else {
                    return r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line, "invalid max_changed_alert \"\(text)\"",
                            hint: "write a percentage such as 20% or a count such as 1000"))
                }
                policy.maxChangedAlert = limit
            }
        }
        let keys = Set(table.entries.map(\.key))
        for (key, hint) in [
            ("kind", "add kind = \"slack\" or \"webhook\""), ("url", "add url = \"${SLACK_WEBHOOK_URL}\""),
        ]
        where !keys.contains(key) {
            errors.append(ProjectError(file: file, line: table.line, "alert \(name) has no \(key)", hint: hint))
        }
        guard errors.count == before, let kind, let url else { return nil }
        return AlertConfig(name: name, kind: kind, url: Secret(url), policy: policy, line: table.line)
    }
}

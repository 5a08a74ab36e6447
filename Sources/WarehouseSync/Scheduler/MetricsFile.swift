import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

/// Prometheus text-format metrics for the node exporter's textfile collector, rewritten
/// atomically (a temporary file renamed over the old one) after each run.
struct MetricsFile {
    let path: String
    private var runs: [String: [String: Int]] = [:]
    private var rowsChanged: [String: Int] = [:]
    private var lastSuccess: [String: Date] = [:]
    private var lastDuration: [String: Double] = [:]
    private var cost: [String: [String: Double]] = [:]
    /// Each integer run field's sum per model, in `RunRecord.fields` order: a field added there
    /// becomes a counter here without more code.
    private var fieldTotals: [String: [String: Int64]] = [:]
    /// Delivery counters since the service started: destination → outcome → changes (or requests).
    private var deliveries: [String: [String: Int]] = [:]
    /// Each destination's outbox now: pending changes and the oldest one's age.
    private var outbox: [String: (pending: Int, oldestAge: Double)] = [:]

    init(path: String) { self.path = path }

    mutating func record(_ run: RunRecord) {
        runs[run.model, default: [:]][run.status.rawValue, default: 0] += 1
        // Committed changes only: a held or failed run wrote nothing.
        if run.status == .succeeded { rowsChanged[run.model, default: 0] += run.added + run.changed + run.removed }
        if run.status == .succeeded, let finished = run.finishedAt { lastSuccess[run.model] = finished }
        if let finished = run.finishedAt { lastDuration[run.model] = finished.timeIntervalSince(run.startedAt) }
        if let measures = run.cost { cost[run.model] = measures }
        for field in RunRecord.fields where field.kind == .integer {
            if case .integer(let n) = field.get(run) {
                fieldTotals[field.name, default: [:]][run.model, default: 0] += n
            }
        }
    }

    /// Counts one delivery pass: changes delivered and dead-lettered, requests that failed.
    mutating func record(_ report: DeliveryReport) {
        deliveries[report.destination, default: [:]]["delivered", default: 0] += report.delivered
        deliveries[report.destination, default: [:]]["dead", default: 0] += report.dead
        deliveries[report.destination, default: [:]]["failed_request", default: 0] += report.failedRequests
    }

    /// The outbox's state per destination, as of `now`.
    mutating func record(_ stats: [DestinationStats], now: Date) {
        outbox = Dictionary(
            uniqueKeysWithValues: stats.map {
                ($0.destination, ($0.pending, $0.oldestPendingAt.map { max(now.timeIntervalSince($0), 0) } ?? 0))
            })
    }

    func render() -> String {
        func label(_ s: String) -> String {
            s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        }
        var out =
            "# HELP warehouse_sync_runs_total Runs since the scheduler started, by model and status.\n# TYPE "
            + "warehouse_sync_runs_total counter\n"
        for (model, byStatus) in runs.sorted(by: { $0.key < $1.key }) {
            for (status, n) in byStatus.sorted(by: { $0.key < $1.key }) {
                out += "warehouse_sync_runs_total{model=\"\(label(model))\",status=\"\(status)\"} \(n)\n"
            }
        }
        out +=
            "# HELP warehouse_sync_rows_changed_total Rows added, changed or removed.\n# TYPE "
            + "warehouse_sync_rows_changed_total counter\n"
        for (model, n) in rowsChanged.sorted(by: { $0.key < $1.key }) {
            out += "warehouse_sync_rows_changed_total{model=\"\(label(model))\"} \(n)\n"
        }
        out +=
            "# HELP warehouse_sync_last_success_timestamp_seconds When the model last synced successfully.\n# TYPE "
            + "warehouse_sync_last_success_timestamp_seconds gauge\n"
        for (model, date) in lastSuccess.sorted(by: { $0.key < $1.key }) {
            out +=
                "warehouse_sync_last_success_timestamp_seconds{model=\"\(label(model))\"} "
                + "\(Int(date.timeIntervalSince1970))\n"
        }
        out +=
            "# HELP warehouse_sync_run_duration_seconds Duration of the model's last run.\n# TYPE "
            + "warehouse_sync_run_duration_seconds gauge\n"
        for (model, seconds) in lastDuration.sorted(by: { $0.key < $1.key }) {
            out += "warehouse_sync_run_duration_seconds{model=\"\(label(model))\"} \(String(format: "%.3f", seconds))\n"
        }
        out +=
            "# HELP warehouse_sync_warehouse_cost The warehouse's cost of the model's last query, by measure.\n# TYPE "
            + "warehouse_sync_warehouse_cost gauge\n"
        for (model, measures) in cost.sorted(by: { $0.key < $1.key }) {
            for (measure, value) in measures.sorted(by: { $0.key < $1.key }) {
                out +=
                    "warehouse_sync_warehouse_cost{model=\"\(label(model))\",measure=\"\(label(measure))\"} \(value)\n"
            }
        }
        if !deliveries.isEmpty || !outbox.isEmpty {
            out +=
                "# HELP warehouse_sync_deliveries_total Changes delivered or dead-lettered, and requests that failed, "
                + "by destination.\n# TYPE warehouse_sync_deliveries_total counter\n"
            for (destination, outcomes) in deliveries.sorted(by: { $0.key < $1.key }) {
                for (outcome, n) in outcomes.sorted(by: { $0.key < $1.key }) {
                    out +=
                        "warehouse_sync_deliveries_total{destination=\"\(label(destination))\",outcome=\"\(outcome)\"} "
                        + "\(n)\n"
                }
            }
            out +=
                "# HELP warehouse_sync_delivery_pending Changes waiting in the outbox.\n"
                + "# TYPE warehouse_sync_delivery_pending gauge\n"
            for (destination, state) in outbox.sorted(by: { $0.key < $1.key }) {
                out += "warehouse_sync_delivery_pending{destination=\"\(label(destination))\"} \(state.pending)\n"
            }
            out +=
                "# HELP warehouse_sync_delivery_oldest_pending_age_seconds Age of the oldest waiting change.\n"
                + "# TYPE warehouse_sync_delivery_oldest_pending_age_seconds gauge\n"
            for (destination, state) in outbox.sorted(by: { $0.key < $1.key }) {
                out +=
                    "warehouse_sync_delivery_oldest_pending_age_seconds{destination=\"\(label(destination))\"} "
                    + "\(String(format: "%.0f", state.oldestAge))\n"
            }
        }
        for field in RunRecord.fields where field.kind == .integer {
            guard let totals = fieldTotals[field.name] else { continue }
            let name = "warehouse_sync_run_\(field.name)_total"
            out +=
                "# HELP \(name) The sum of the run field \(field.name) over runs, by model.\n# TYPE \(name) counter\n"
            for (model, n) in totals.sorted(by: { $0.key < $1.key }) {
                out += "\(name){model=\"\(label(model))\"} \(n)\n"
            }
        }
        return out
    }

    func write() throws {
        try PrivateFiles.writeAtomically(Data(render().utf8), to: path, mode: PrivateFiles.groupReadable)
    }
}

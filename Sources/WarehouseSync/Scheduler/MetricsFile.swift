import Connectors
import Drivers
import Foundation
import Stores
import SyncCore

/// Prometheus text-format metrics, served at `GET /metrics` and, when `metrics_file` is set,
/// written for the node exporter's textfile collector, atomically (a temporary file renamed over
/// the old one) after each run.
struct MetricsFile {
    /// The file to write; nil when only the HTTP server serves the metrics.
    let path: String?
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

    init(path: String?) { self.path = path }

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

    /// One metric family in Prometheus text format: its HELP and TYPE lines, then one sample per
    /// (labels, value), label values escaped.
    private static func family(
        _ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]
    ) -> String {
        func escaped(_ s: String) -> String {
            s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        }
        var out = "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        for sample in samples {
            let labels = sample.labels.map { "\($0.0)=\"\(escaped($0.1))\"" }.joined(separator: ",")
            out += labels.isEmpty ? "\(name) \(sample.value)\n" : "\(name){\(labels)} \(sample.value)\n"
        }
        return out
    }

    /// Per model, in model order: one sample labelled `model` each.
    private static func byModel<V>(_ values: [String: V], _ format: (V) -> String) -> [(
        labels: [(String, String)], value: String
    )] {
        values.sorted { $0.key < $1.key }.map { ([("model", $0.key)], format($0.value)) }
    }

    func render() -> String {
        var out = Self.family(
            "warehouse_sync_runs_total", "counter", "Runs since the scheduler started, by model and status.",
            runs.sorted { $0.key < $1.key }.flatMap { model, byStatus in
                byStatus.sorted { $0.key < $1.key }.map { ([("model", model), ("status", $0.key)], "\($0.value)") }
            })
        out += Self.family(
            "warehouse_sync_rows_changed_total", "counter", "Rows added, changed or removed.",
            Self.byModel(rowsChanged) { "\($0)" })
        out += Self.family(
            "warehouse_sync_last_success_timestamp_seconds", "gauge", "When the model last synced successfully.",
            Self.byModel(lastSuccess) { "\(Int($0.timeIntervalSince1970))" })
        out += Self.family(
            "warehouse_sync_run_duration_seconds", "gauge", "Duration of the model's last run.",
            Self.byModel(lastDuration) { String(format: "%.3f", $0) })
        out += Self.family(
            "warehouse_sync_warehouse_cost", "gauge", "The warehouse's cost of the model's last query, by measure.",
            cost.sorted { $0.key < $1.key }.flatMap { model, measures in
                measures.sorted { $0.key < $1.key }.map { ([("model", model), ("measure", $0.key)], "\($0.value)") }
            })
        if !deliveries.isEmpty || !outbox.isEmpty {
            let destinations = outbox.sorted { $0.key < $1.key }
            out += Self.family(
                "warehouse_sync_deliveries_total", "counter",
                "Changes delivered or dead-lettered, and requests that failed, by destination.",
                deliveries.sorted { $0.key < $1.key }.flatMap { destination, outcomes in
                    outcomes.sorted { $0.key < $1.key }.map {
                        ([("destination", destination), ("outcome", $0.key)], "\($0.value)")
                    }
                })
            out += Self.family(
                "warehouse_sync_delivery_pending", "gauge", "Changes waiting in the outbox.",
                destinations.map { ([("destination", $0.key)], "\($0.value.pending)") })
            out += Self.family(
                "warehouse_sync_delivery_oldest_pending_age_seconds", "gauge", "Age of the oldest waiting change.",
                destinations.map { ([("destination", $0.key)], String(format: "%.0f", $0.value.oldestAge)) })
        }
        for field in RunRecord.fields where field.kind == .integer {
            guard let totals = fieldTotals[field.name] else { continue }
            out += Self.family(
                "warehouse_sync_run_\(field.name)_total", "counter",
                "The sum of the run field \(field.name) over runs, by model.", Self.byModel(totals) { "\($0)" })
        }
        return out
    }

    /// Writes `render()` and then `extra` (families kept outside this value) to `path`, if set.
    func write(appending extra: String = "") throws {
        guard let path else { return }
        try PrivateFiles.writeAtomically(Data((render() + extra).utf8), to: path, mode: PrivateFiles.groupReadable)
    }

    /// The family of log lines lost to failed writes (a full disk, a closed pipe): read when served,
    /// since a line can be lost at any moment, not only at the end of a run.
    static func logWriteErrors(_ count: Int) -> String {
        family(
            "warehouse_sync_log_write_errors_total", "counter",
            "Log lines that could not be written to stderr since the scheduler started.", [([], "\(count)")])
    }
}

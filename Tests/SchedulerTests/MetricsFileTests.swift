import Foundation
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

@Suite struct MetricsFileTests {
    @Test func rendersPrometheusTextAndReplacesTheFileAtomically() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ws-\(UUID().uuidString).prom").path
        var metrics = MetricsFile(path: path)
        var run = RunRecord(
            id: "r1", model: "ltv", source: "wh", trigger: .schedule, status: .succeeded,
            startedAt: Date(timeIntervalSince1970: 1000))
        run.finishedAt = Date(timeIntervalSince1970: 1002.5)
        run.added = 3
        run.changed = 2
        run.removed = 1
        run.cost = ["planner_total_cost": 12.5]
        metrics.record(run)
        run.status = .failed
        metrics.record(run)
        try metrics.write()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("warehouse_sync_runs_total{model=\"ltv\",status=\"succeeded\"} 1\n"))
        #expect(text.contains("warehouse_sync_runs_total{model=\"ltv\",status=\"failed\"} 1\n"))
        // The failed run wrote nothing: only the succeeded run's changes count.
        #expect(text.contains("warehouse_sync_rows_changed_total{model=\"ltv\"} 6\n"))
        #expect(text.contains("warehouse_sync_last_success_timestamp_seconds{model=\"ltv\"} 1002\n"))
        #expect(text.contains("warehouse_sync_run_duration_seconds{model=\"ltv\"} 2.500\n"))
        #expect(text.contains("warehouse_sync_warehouse_cost{model=\"ltv\",measure=\"planner_total_cost\"} 12.5\n"))
        #expect(text.contains("# TYPE warehouse_sync_runs_total counter\n"))
        // Every integer run field is a counter, summed over the runs (both were recorded).
        for field in RunRecord.fields where field.kind == .integer {
            #expect(text.contains("# TYPE warehouse_sync_run_\(field.name)_total counter\n"))
        }
        #expect(text.contains("warehouse_sync_run_added_total{model=\"ltv\"} 6\n"))
        #expect(text.contains("warehouse_sync_run_removed_total{model=\"ltv\"} 2\n"))
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: (path as NSString).deletingLastPathComponent
        ).filter { $0.hasPrefix("." + (path as NSString).lastPathComponent + ".") }
        #expect(leftovers.isEmpty)
    }

    @Test func deliveryCountersAndOutboxGauges() {
        var metrics = MetricsFile(path: "/unused")
        var report = DeliveryReport(destination: "crm")
        report.delivered = 5
        report.dead = 1
        report.failedRequests = 2
        metrics.record(report)
        metrics.record(report)
        let now = Date(timeIntervalSince1970: 2000)
        metrics.record(
            [DestinationStats(destination: "crm", pending: 3, oldestPendingAt: Date(timeIntervalSince1970: 1940))],
            now: now)
        let text = metrics.render()
        #expect(text.contains("warehouse_sync_deliveries_total{destination=\"crm\",outcome=\"delivered\"} 10\n"))
        #expect(text.contains("warehouse_sync_deliveries_total{destination=\"crm\",outcome=\"dead\"} 2\n"))
        #expect(text.contains("warehouse_sync_deliveries_total{destination=\"crm\",outcome=\"failed_request\"} 4\n"))
        #expect(text.contains("warehouse_sync_delivery_pending{destination=\"crm\"} 3\n"))
        #expect(text.contains("warehouse_sync_delivery_oldest_pending_age_seconds{destination=\"crm\"} 60\n"))
    }
}

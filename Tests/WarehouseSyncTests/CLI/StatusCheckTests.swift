import Foundation
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

@Suite struct StatusCheckTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func checkFailsWithoutARecentHeartbeatOrAfterRepeatedFailures() async throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER)")
        try f.model("m", "-- key: id\n-- schedule: hourly\nSELECT id, v FROM t")
        let never = await runCLI(["status", "--check"], in: f.directory)
        #expect(never.status == 1)
        #expect(never.err.contains("no scheduler has ever run against this store"))

        try f.store().heartbeat(holder: "test", at: Self.now.addingTimeInterval(-60))
        let healthy = await runCLI(["status", "--check", "--json"], in: f.directory)
        #expect(healthy.status == 0, "\(healthy.out)")
        #expect(healthy.out.contains("\"healthy\" : true"))
        #expect(healthy.out.contains("\"next_due\" : \"2027-01-15T09:00:00Z\""))

        try f.store().heartbeat(holder: "test", at: Self.now.addingTimeInterval(-600))
        #expect(await runCLI(["status", "--check"], in: f.directory).status == 1)

        try f.store().heartbeat(holder: "test", at: Self.now)
        for i in 0..<3 {
            var run = RunRecord(
                id: "r\(i)", model: "m", source: "wh", trigger: .schedule, status: .failed,
                startedAt: Self.now.addingTimeInterval(Double(i)))
            run.error = "relation \"t2\" does not exist"
            try f.store().record(run)
        }
        let failing = await runCLI(["status", "--check"], in: f.directory)
        #expect(failing.status == 1)
        #expect(failing.err.contains("model m failed its last 3 runs"))
        #expect(await runCLI(["status"], in: f.directory).status == 0)
    }
}

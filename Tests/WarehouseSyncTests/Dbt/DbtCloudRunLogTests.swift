import Foundation
import Testing

@testable import WarehouseSync

/// The run ids the dbt Cloud hook has taken: a replay is refused, also by a new process, and the file
/// keeps only the newest ids.
@Suite struct DbtCloudRunLogTests {
    @Test func aReplayIsRefusedAcrossProcessesAndTheFileIsCutBackToTheNewest() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-dbtlog-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = DbtCloudRunLog(projectDirectory: directory, retained: 3)
        #expect(try log.firstDelivery(of: "100") && !(try log.firstDelivery(of: "100")))
        #expect(!(try DbtCloudRunLog(projectDirectory: directory, retained: 3).firstDelivery(of: "100")), "a restart")
        for id in 101...106 { #expect(try log.firstDelivery(of: String(id))) }
        let file = directory.appendingPathComponent(".warehouse-sync/dbt-cloud-runs")
        #expect(try String(contentsOf: file, encoding: .utf8) == "104\n105\n106\n", "cut back to the newest 3")
        #expect(!(try DbtCloudRunLog(projectDirectory: directory, retained: 3).firstDelivery(of: "106")))
        #expect(try log.firstDelivery(of: "two\nlines") && !(try log.firstDelivery(of: "two lines")))
    }
}

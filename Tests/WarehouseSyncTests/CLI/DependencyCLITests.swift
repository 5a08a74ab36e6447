import Foundation
import Testing

@testable import CLI
@testable import WarehouseSync

/// `schedule: after MODEL` through the CLI: `validate` names a missing model and a cycle with
/// their files, and `schedule` and `status` show the dependency.
@Suite struct DependencyCLITests {
    static let config = "[store]\nurl = \"sqlite:state.db\"\n[sources.wh]\nkind = \"sqlite\"\npath = \"w.db\"\n"

    @Test func validateNamesTheFilesOfACycleAndScheduleShowsTheDependency() async throws {
        let broken = try temporaryProject([
            "warehouse-sync.toml": Self.config,
            "models/a.sql": "-- key: k\n-- schedule: after b\nSELECT 1 AS k, 1 AS av\n",
            "models/b.sql": "-- key: k\n-- schedule: after a\nSELECT 1 AS k, 1 AS bv\n",
            "models/c.sql": "-- key: k\n-- schedule: after zzz\nSELECT 1 AS k, 1 AS cv\n",
        ])
        let result = await runCLI(["validate"], in: broken)
        #expect(result.status == 2)
        #expect(
            result.err.contains(
                "error: models/a.sql:2: schedule: after makes a cycle: a (models/a.sql) → b (models/b.sql) → a "
                    + "(models/a.sql)"), "\(result.err)")
        #expect(result.err.contains("error: models/c.sql:2: schedule: after zzz: there is no model zzz"))

        let good = try temporaryProject([
            "warehouse-sync.toml": Self.config,
            "models/a.sql": "-- key: k\n-- schedule: hourly\nSELECT 1 AS k, 1 AS av\n",
            "models/b.sql": "-- key: k\n-- schedule: after a\nSELECT 1 AS k, 1 AS bv\n",
        ])
        #expect(await runCLI(["validate"], in: good).status == 0)
        let schedule = await runCLI(["schedule"], in: good)
        #expect(
            schedule.out.split(separator: "\n").contains {
                $0.hasPrefix("b ") && $0.contains("after a") && $0.hasSuffix("after a succeeds")
            }, "\(schedule.out)")
        let status = await runCLI(["status"], in: good)
        #expect(status.out.contains("after a"), "\(status.out)")
    }
}

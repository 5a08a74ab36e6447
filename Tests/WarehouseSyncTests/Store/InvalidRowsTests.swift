import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// Every invalid row of a committed run is kept with the run (up to 10,000), shown by `runs show`
/// and its `--json`; `sync` prints the first ten and says where the rest are.
@Suite struct InvalidRowsTests {
    @Test(arguments: StoreKind.allCases)
    func aRunKeepsItsInvalidRows(store: StoreKind) async throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            """
            CREATE TABLE c (id text, v int);
            INSERT INTO c SELECT 'k' || g, g FROM generate_series(1, 5) g;
            INSERT INTO c SELECT CASE WHEN g % 2 = 0 THEN NULL ELSE '' END, g FROM generate_series(1, 24) g;
            """)
        try f.model("m", "-- key: id\nSELECT id, v FROM c\n")
        let sync = await runCLI(["sync", "m"], in: f.directory)
        #expect(sync.status == 0, "\(sync.err)")
        #expect(
            sync.out.contains("24 rows not synced (the first 10 shown; all: warehouse-sync runs show "), "\(sync.out)")
        let run = try #require(try f.store().runs(model: "m", limit: 1).first)
        #expect(run.invalid == 24)
        let kept = try f.store().invalidRows(run: run.id)
        #expect(kept.count == 24)
        #expect(kept.filter { $0.key == nil }.count == 12, "NULL keys are kept as such")
        let shown = await runCLI(["runs", "show", run.id], in: f.directory)
        #expect(shown.out.contains("24 rows not synced:"), "\(shown.out)")
        #expect(shown.out.components(separatedBy: "a NULL key").count - 1 == 12, "\(shown.out)")
        let json = await runCLI(["runs", "show", run.id, "--json"], in: f.directory)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect((object["invalid_rows"] as? [[String: Any]])?.count == 24 && object["invalid"] as? Int == 24)
        #expect(object["id"] as? String == run.id, "the run's fields beside them")
    }

    @Test func aRunKeepsAtMostTenThousandAndCountsThemAll() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            "CREATE TABLE c (id text, v int); INSERT INTO c SELECT NULL, g FROM generate_series(1, 10005) g")
        try f.model("m", "-- key: id\nSELECT id, v FROM c\n")
        let outcome = try f.sync("m")
        #expect(outcome.record.invalid == 10005)
        #expect(try f.store().invalidRows(run: outcome.record.id).count == RunCommit.invalidRowLimit)
    }
}

import Foundation
import TestSupport
import Testing

@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// A first sync into an empty store takes the bulk path (SQLite: multi-row inserts, 64 rows a
/// statement; PostgreSQL: `COPY` straight into the tables); into a store that already holds profiles
/// it takes the per-row path. Both must write the same profiles, snapshot and change log.
@Suite(.serialized) struct FirstSyncBulkTests {
    /// Row counts around the bulk statement's 64 rows: one, exactly one statement, one past it, several
    /// statements and a remainder; and around the SQLite batch of 1,024 rows whose bytes the statements
    /// borrow: exactly one batch, one past it, two and a remainder.
    @Test(arguments: StoreKind.allCases, [1, 64, 65, 130, 1024, 1025, 2100])
    func theBulkPathWritesWhatThePerRowPathWrites(store: StoreKind, rows: Int) throws {
        let bulk = try SyncFixture(store: store)
        try bulk.warehouse(
            """
            CREATE TABLE t (id text, n int, s text, b boolean, j jsonb);
            INSERT INTO t SELECT 'k' || lpad(g::text, 4, '0'), g,
                CASE WHEN g % 3 = 0 THEN NULL ELSE 'é "q" \\ ' || g END, g % 2 = 0,
                CASE WHEN g % 5 = 0 THEN '{"a": [1, 2.50]}'::jsonb END
            FROM generate_series(1, \(rows)) g;
            CREATE TABLE other (id text, tier text);
            INSERT INTO other VALUES ('k0001', 'gold'), ('zz', 'silver');
            """)
        // Every rerun reads the table (the skip rule would skip the unchanged one).
        let model = "-- key: id\n-- skip_unchanged: false\nSELECT id, n, s, b, j FROM t\n"
        try bulk.model("m", model)
        // The same warehouse, into a store that already holds another model's profiles (one of them a
        // key of t): the per-row path.
        let perRow = try SyncFixture(store: store)
        perRow.reuseWarehouse(of: bulk)
        try perRow.model("other", "-- key: id\nSELECT id, tier FROM other\n")
        try perRow.sync("other")
        try perRow.model("m", model)

        let bulkRun = try bulk.sync("m").record
        let perRowRun = try perRow.sync("m").record
        #expect(bulkRun.status == .succeeded && perRowRun.status == .succeeded)
        #expect(bulkRun.counts.added == rows && perRowRun.counts.added == rows)

        // Profiles: the same traits from m, and the other model's trait kept beside them.
        let mTraits: Set = ["n", "s", "b", "j"]
        let bulkProfiles = try bulk.allProfiles()
        let perRowProfiles = try perRow.allProfiles()
        #expect(bulkProfiles.count == rows)
        #expect(
            bulkProfiles
                == perRowProfiles.filter { $0.key != "zz" }.mapValues { $0.filter { mTraits.contains($0.key) } })
        #expect(perRowProfiles["k0001"]?["tier"] == "\"gold\"")
        #expect(try bulk.provenanceRuns("k0001") == Dictionary(uniqueKeysWithValues: mTraits.map { ($0, bulkRun.id) }))

        // The change log: a row per trait of each added profile, the same values.
        func logged(_ f: SyncFixture, _ run: RunRecord) throws -> [String] {
            try f.store().changes(ChangeQuery(run: run.id, limit: 10_000)).map {
                "\($0.key).\($0.trait) = \($0.new ?? "-") (was \($0.old ?? "-"))"
            }
        }
        #expect(try logged(bulk, bulkRun) == logged(perRow, perRowRun))
        #expect(try logged(bulk, bulkRun).count == rows * mTraits.count)

        // The snapshot: a rerun finds every row unchanged, and a change of one row is one trait.
        #expect(try bulk.sync("m").record.counts.unchanged == rows)
        try bulk.warehouse("UPDATE t SET n = -1 WHERE id = 'k0001'")
        let changed = try bulk.sync("m").record
        #expect(
            changed.counts.changed == 1 && changed.counts.traitsWritten == 1 && changed.counts.unchanged == rows - 1)
    }
}

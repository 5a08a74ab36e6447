import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import SyncCore
@testable import WarehouseSync

/// The skip rule (docs/cost.md) on the test PostgreSQL: a run whose tables did not change is recorded
/// `skipped` ("sources unchanged") and the model's query never reaches the server; every kind of
/// change (INSERT, UPDATE, DELETE, TRUNCATE, a table behind a view) makes the next run run; time
/// dependent queries are not skipped on counters alone; `--full` and an edited model always run.
@Suite struct SkipUnchangedTests {
    /// Scans of `table` the server counted (the model's query scans it; EXPLAIN does not).
    func scans(_ f: SyncFixture, _ table: String) throws -> Int {
        let pg = try PGConnection(conninfo: f.warehouseURL)
        let rows = try pg.execute(
            "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = $1",
            [table])
        return Int(rows.text(0, 0) ?? "0") ?? 0
    }

    /// Syncs until a run runs (a change's statistics can reach the server a moment after the
    /// write's session ends): the change must be picked up by the first run or the next.
    func syncUntilItRuns(_ f: SyncFixture, _ model: String) throws -> RunRecord {
        var record = try f.sync(model).record
        if record.status == .skipped {
            Thread.sleep(forTimeInterval: 1)
            record = try f.sync(model).record
        }
        return record
    }

    @Test(arguments: StoreKind.allCases)
    func anUnchangedSourceIsSkippedAndEveryKindOfChangeRuns(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            """
            CREATE TABLE base (id text PRIMARY KEY, v int);
            INSERT INTO base SELECT 'u' || g, g FROM generate_series(1, 100) g;
            CREATE VIEW behind AS SELECT id, v * 10 AS w FROM base;
            """)
        try f.model("m", "-- key: id\n-- schedule: hourly\n-- max_removed: 100%\nSELECT id, v FROM base\n")
        try f.model("viewed", "-- key: id\n-- max_removed: 100%\nSELECT id, w FROM behind\n")
        #expect(try f.sync("m").record.status == .succeeded)
        #expect(try f.sync("viewed").record.status == .succeeded)
        Thread.sleep(forTimeInterval: 1)
        let before = try scans(f, "base")
        let skipped = try f.sync("m").record
        #expect(skipped.status == .skipped && skipped.error == "sources unchanged", "\(skipped)")
        #expect(skipped.cost?["probe_ms"] != nil)
        #expect(try f.sync("viewed").record.status == .skipped)
        Thread.sleep(forTimeInterval: 1)
        #expect(try scans(f, "base") == before, "the model's query never reached the server")

        for (change, expected) in [
            ("INSERT INTO base VALUES ('u999', 999)", ("u999", "999")),
            ("UPDATE base SET v = 7 WHERE id = 'u1'", ("u1", "7")),
            ("DELETE FROM base WHERE id = 'u2'", ("u2", nil)),
            ("TRUNCATE base; INSERT INTO base VALUES ('u1', 8)", ("u1", "8")),
        ] as [(String, (String, String?))] {
            try f.warehouse(change)
            let run = try syncUntilItRuns(f, "m")
            #expect(run.status == .succeeded, "\(change): \(run)")
            #expect(try f.traits(expected.0)["v"] == expected.1, "\(change)")
            #expect(try f.sync("m").record.status == .skipped, "after \(change), unchanged again")
        }
        let viewed = try syncUntilItRuns(f, "viewed")
        #expect(viewed.status == .succeeded, "a change to a table behind a view runs the model")
        #expect(try f.traits("u1")["w"] == "80")

        #expect(try f.sync("m", SyncOptions(full: true)).record.status == .succeeded, "--full always runs")
        try f.model("m", "-- key: id\n-- schedule: hourly\n-- max_removed: 100%\n-- an edit\nSELECT id, v FROM base\n")
        #expect(try f.sync("m").record.status == .succeeded, "an edited model file always runs")
        try f.model("m", "-- key: id\n-- skip_unchanged: false\nSELECT id, v FROM base\n")
        _ = try f.sync("m")
        #expect(try f.sync("m").record.status == .succeeded, "skip_unchanged: false always runs")
    }

    @Test func queriesThatDependOnTheTimeAreNotSkippedOnCountersAlone() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try f.model("clock", "-- key: id\nSELECT id, v, now() > '2000-01-01' AS recent FROM t\n")
        try f.model("dice", "-- key: id\nSELECT id, v + floor(random() * 0)::int AS rv FROM t\n")
        try f.model(
            "today", "-- key: id\n-- timezone: UTC\nSELECT id, v AS tv, CURRENT_DATE > '2000-01-01' AS d FROM t\n")
        for model in ["clock", "dice"] {
            _ = try f.sync(model)
            #expect(try f.sync(model).record.status == .succeeded, "\(model) always runs")
        }
        let project = try f.project()
        let today = try #require(project.model(named: "today"))
        let runner = SyncRunner(project: project)
        let day1 = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z
        #expect(try runner.run(today, options: SyncOptions(), now: { day1 }).record.status == .succeeded)
        #expect(
            try runner.run(today, options: SyncOptions(), now: { day1.addingTimeInterval(3600) }).record.status
                == .skipped, "the same day, unchanged tables: skipped")
        #expect(
            try runner.run(today, options: SyncOptions(), now: { day1.addingTimeInterval(86400) }).record.status
                == .succeeded, "the next day: it runs again")
        // CURRENT_DATE is the session's (UTC) day, whatever the model's timezone: 23:30 and 00:30 UTC
        // are one day in Los Angeles and two in the session.
        try f.model(
            "la", "-- key: id\n-- timezone: America/Los_Angeles\nSELECT id, v AS lv, CURRENT_DATE AS la_day FROM t\n")
        let la = try #require(try f.project().model(named: "la"))
        let evening = Date(timeIntervalSince1970: 1_800_055_800)  // 2027-01-15T23:30:00Z
        #expect(try runner.run(la, options: SyncOptions(), now: { evening }).record.status == .succeeded)
        #expect(
            try runner.run(la, options: SyncOptions(), now: { evening.addingTimeInterval(3600) }).record.status
                == .succeeded, "a new UTC day: CURRENT_DATE moved")
    }

    @Test func aSkippedSyncExitsZero() async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\nSELECT id, v FROM t\n")
        #expect(await runCLI(["sync", "m"], in: f.directory).status == 0)
        try await Task.sleep(for: .seconds(1))
        let second = await runCLI(["sync", "m", "--json"], in: f.directory)
        #expect(second.status == 0, "\(second.out)")
        #expect(second.out.contains("\"status\" : \"skipped\"") && second.out.contains("sources unchanged"))
    }

    /// The case the statistics lag covers: a writer whose session stays open commits a change
    /// within a second of its previous flush, so PostgreSQL holds its counters back (up to 10 s).
    /// A run then sees unchanged counters and skips; the next run, less than `statistics_lag`
    /// after it, must run and pick the change up.
    @Test func aChangeTheCountersDoNotShowYetIsPickedUpByTheNextRun() throws {
        let f = try SyncFixture(store: .sqlite)
        f.statisticsLag = "3s"
        try f.warehouse("CREATE TABLE t (id text, v int); CREATE TABLE other (x int); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\nSELECT id, v FROM t\n")
        #expect(try f.sync("m").record.status == .succeeded)
        Thread.sleep(forTimeInterval: 3.2)
        let writer = try PGConnection(conninfo: f.warehouseURL)
        try writer.execute("INSERT INTO other VALUES (1)")  // its counters are flushed at once...
        try writer.execute("INSERT INTO t VALUES ('late', 2)")  // ...these wait for the idle timer
        let missed = try f.sync("m").record
        #expect(missed.status == .skipped, "the counters did not show the change yet: \(missed)")
        let next = try f.sync("m").record
        #expect(next.status == .succeeded, "within statistics_lag of a skip, a run runs: \(next)")
        #expect(try f.traits("late")["v"] == "2")
        _ = writer
    }

    /// A change committed after the probe read the counters and before the query started is in
    /// that run's result; the counters it stored are the earlier ones, so the next run runs too.
    @Test func aChangeCommittedBetweenTheProbeAndTheQueryIsNeverLost() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse("CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1)")
        try f.model("m", "-- key: id\nSELECT id, v FROM t\n")
        #expect(try f.sync("m").record.status == .succeeded)
        Thread.sleep(forTimeInterval: 1)
        try f.warehouse("INSERT INTO t VALUES ('b', 2)")
        Thread.sleep(forTimeInterval: 1)
        let url = f.warehouseURL
        let project = try f.project()
        let runner = SyncRunner(project: project) { progress in
            if progress.phase == "query" {
                _ = try? PGConnection(conninfo: url).execute("INSERT INTO t VALUES ('during', 3)")
            }
        }
        let run = try runner.run(try #require(project.model(named: "m")), options: SyncOptions()).record
        #expect(run.status == .succeeded, "\(run)")
        #expect(try f.traits("during")["v"] == "3", "the query started after the commit")
        Thread.sleep(forTimeInterval: 1)
        #expect(try f.sync("m").record.status == .succeeded, "the stored counters predate the change")
        #expect(try f.sync("m").record.status == .skipped)
    }

    /// Changes that move no row counter, and queries whose result moves without any change: the
    /// attack on issue 16 found each one skipped. Each now runs (or never skips).
    @Test func changesTheRowCountersDoNotShowAreCaught() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            """
            CREATE TABLE t (id text, v int); INSERT INTO t VALUES ('a', 1), ('b', 20);
            CREATE TABLE dim (v int); INSERT INTO dim VALUES (1);
            CREATE FUNCTION tier(x int) RETURNS text IMMUTABLE LANGUAGE plpgsql AS
                $$ BEGIN RETURN CASE WHEN x > 5 THEN 'high' ELSE 'low' END; END $$;
            CREATE FUNCTION "Score"(x int) RETURNS bigint VOLATILE LANGUAGE sql AS $$ SELECT count(*) FROM dim $$;
            CREATE SEQUENCE s;
            """)
        try f.model("tiered", "-- key: id\nSELECT id, tier(v) AS tier FROM t\n")
        try f.model("whole", "-- key: id\nSELECT c.id, md5(c::text) AS whole_h FROM t c\n")
        try f.model("quoted", "-- key: id\nSELECT id, \"Score\"(v) AS score FROM t\n")
        try f.model("seq", "-- key: id\nSELECT 'k' AS id, last_value AS lv FROM s\n")
        try f.model("nowtext", "-- key: id\nSELECT id, ('now'::text)::timestamptz > '2000-01-01' AS n FROM t\n")
        try f.model("sampled", "-- key: id\nSELECT id, v AS sv FROM t TABLESAMPLE SYSTEM (100)\n")
        let all = ["tiered", "whole", "quoted", "seq", "nowtext", "sampled"]
        for model in all { #expect(try f.sync(model).record.status == .succeeded, "\(model)") }
        Thread.sleep(forTimeInterval: 1)
        #expect(try f.sync("tiered").record.status == .skipped)
        #expect(try f.sync("whole").record.status == .skipped)
        for model in ["quoted", "seq", "nowtext", "sampled"] {
            #expect(try f.sync(model).record.status == .succeeded, "\(model) never skips")
        }
        try f.warehouse(
            """
            CREATE OR REPLACE FUNCTION tier(x int) RETURNS text IMMUTABLE LANGUAGE plpgsql AS
                $$ BEGIN RETURN CASE WHEN x > 10 THEN 'high' ELSE 'low' END; END $$
            """)
        #expect(try f.sync("tiered").record.status == .succeeded, "a redefined function runs the model")
        try f.warehouse("ALTER TABLE t ADD COLUMN extra text DEFAULT 'x'")
        #expect(try f.sync("whole").record.status == .succeeded, "ALTER TABLE runs the model")
        #expect(try f.sync("whole").record.status == .skipped)
        // A reset of the counters followed by as many writes brings them back to the stored value.
        try f.warehouse("SELECT pg_stat_reset_single_table_counters('t'::regclass)")
        try f.warehouse("UPDATE t SET v = v + 1 WHERE id = 'a'")
        Thread.sleep(forTimeInterval: 1)
        #expect(try f.sync("whole").record.status == .succeeded, "a reset of the statistics runs the model")
        // The second attack: a column rename that rewrites nothing, and functions the plan never names
        // (an aggregate's support function, a cast's, an operator's).
        try f.warehouse(
            """
            CREATE TABLE rs (k text, x int, y int); INSERT INTO rs VALUES ('a', 1, 2);
            CREATE TABLE wts (w int); INSERT INTO wts VALUES (1);
            CREATE FUNCTION wsum(s int, v int) RETURNS int VOLATILE LANGUAGE sql
                AS $$ SELECT s + v * (SELECT w FROM wts) $$;
            CREATE AGGREGATE wagg(int) (sfunc = wsum, stype = int, initcond = '0');
            CREATE TYPE lvl AS ENUM ('low', 'high');
            CREATE FUNCTION lvl_rank(l lvl) RETURNS int IMMUTABLE LANGUAGE sql
                AS $$ SELECT CASE WHEN l = 'high' THEN 2 ELSE 1 END $$;
            CREATE CAST (lvl AS int) WITH FUNCTION lvl_rank(lvl);
            CREATE TABLE ca (k text, t lvl); INSERT INTO ca VALUES ('a', 'high');
            CREATE FUNCTION myop(a int, b int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT a + b $$;
            CREATE OPERATOR %%% (function = myop, leftarg = int, rightarg = int);
            """)
        try f.model("renamed", "-- key: k\nSELECT k, x AS rx, y AS ry FROM rs\n")
        try f.model("aggregated", "-- key: k\nSELECT k, wagg(x) AS total FROM rs GROUP BY k\n")
        try f.model("cast", "-- key: k\nSELECT k, t::int AS rank FROM ca\n")
        try f.model("operated", "-- key: k\nSELECT k, x %%% 1 AS opped FROM rs\n")
        for model in ["renamed", "cast", "operated"] { _ = try f.sync(model) }
        Thread.sleep(forTimeInterval: 1)
        for model in ["renamed", "cast", "operated"] {
            #expect(try f.sync(model).record.status == .skipped, "\(model) skips while nothing changed")
        }
        _ = try f.sync("aggregated")
        #expect(try f.sync("aggregated").record.status == .succeeded, "a volatile support function: never skipped")
        try f.warehouse(
            "ALTER TABLE rs RENAME COLUMN x TO tmp; ALTER TABLE rs RENAME COLUMN y TO x; "
                + "ALTER TABLE rs RENAME COLUMN tmp TO y"
        )
        #expect(try f.sync("renamed").record.status == .succeeded, "a column rename runs the model")
        try f.warehouse(
            "CREATE OR REPLACE FUNCTION lvl_rank(l lvl) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT 7 $$")
        #expect(try f.sync("cast").record.status == .succeeded, "a redefined cast function runs the model")
        try f.warehouse(
            "CREATE OR REPLACE FUNCTION myop(a int, b int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT a - b $$")
        #expect(try f.sync("operated").record.status == .succeeded, "a redefined operator function runs the model")
        // Sessions that count nothing make the counters meaningless.
        try f.warehouse("ALTER DATABASE \(f.warehouseDatabase) SET track_counts = off")
        #expect(try f.sync("whole").record.status == .succeeded)
        #expect(try f.sync("whole").record.status == .succeeded, "with track_counts off it never skips")
    }
}

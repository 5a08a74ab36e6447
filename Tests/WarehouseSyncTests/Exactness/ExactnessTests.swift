import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The silent wrong profiles of public bug reports, each as a test: type changes, duplicate
/// columns, two models writing one trait, invalid JSON, blank and unstorable keys, and counts of
/// runs that wrote nothing.
@Suite struct ExactnessTests {
    @Test(arguments: StoreKind.allCases)
    func aTypeChangeWithTheSameTextIsAChange(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse("CREATE TABLE t (id text, score text); INSERT INTO t VALUES ('a', '7')")
        try f.model("m", "-- key: id\nSELECT id, score FROM t")
        try f.sync("m")
        #expect(try f.traits("a") == ["score": "\"7\""])
        try f.warehouse("ALTER TABLE t ALTER COLUMN score TYPE integer USING score::integer")
        // Text to integer is schema drift (docs/drift-and-plans.md): held until accepted, then a change.
        #expect(try f.sync("m").record.status == .blocked)
        let run = try f.sync("m", SyncOptions(acceptSchema: true))
        #expect(run.record.changed == 1)
        #expect(try f.traits("a") == ["score": "7"])
        // A type change that keeps every value's canonical form (integer to bigint) changes nothing.
        try f.warehouse("ALTER TABLE t ALTER COLUMN score TYPE bigint")
        let widened = try f.sync("m")
        #expect(widened.record.changed == 0 && widened.record.unchanged == 1)
    }

    @Test(arguments: [
        ("SELECT w.user_id, w.score, a.score FROM web_scores w JOIN app_scores a USING (user_id)", "score"),
        ("SELECT user_id, 1 AS \"caf\u{E9}\", 2 AS \"cafe\u{301}\" FROM web_scores", "caf"),
    ])
    func twoColumnsWithOneNameFailBeforeWriting(query: String, column: String) async throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            """
            CREATE TABLE web_scores (user_id text, score int); INSERT INTO web_scores VALUES ('u1', 10);
            CREATE TABLE app_scores (user_id text, score int); INSERT INTO app_scores VALUES ('u1', 3);
            """)
        try f.model("m", "-- key: user_id\n" + query)
        let sync = await runCLI(["sync", "m"], in: f.directory)
        #expect(sync.status == 1)
        #expect(sync.out.contains("the result has two columns named \(column)"), "\(sync.out)")
        #expect(sync.out.contains("models/m.sql:2"))
        #expect(try f.allProfiles().isEmpty)
        let validate = await runCLI(["validate", "--connect"], in: f.directory)
        #expect(validate.status == 2)
        #expect(
            validate.err.contains("error: models/m.sql:2: the result has two columns named \(column)"),
            "\(validate.err)")
        #expect(!validate.err.contains("also written by model m"))
    }

    @Test(arguments: StoreKind.allCases)
    func aTraitOwnedByAnotherModelIsRefusedWithBothFilesNamed(store: StoreKind) async throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            """
            CREATE TABLE web_scores (user_id text, score int); INSERT INTO web_scores VALUES ('u1', 10), ('u2', 20);
            CREATE TABLE app_scores (user_id text, score int); INSERT INTO app_scores VALUES ('u1', 3);
            """)
        try f.model("web_engagement", "-- key: user_id\nSELECT user_id, score FROM web_scores")
        try f.model("app_engagement", "-- key: user_id\nSELECT user_id, score FROM app_scores")
        let validate = await runCLI(["validate", "--connect"], in: f.directory)
        #expect(validate.status == 2)
        #expect(validate.err.contains("trait score is also written by model"), "\(validate.err)")
        let sync = await runCLI(["sync", "--all"], in: f.directory)
        #expect(sync.status == 1)
        #expect(
            sync.out.contains(
                "trait score of models/web_engagement.sql is already written by model app_engagement "
                    + "(models/app_engagement.sql); nothing was written"
            ), "\(sync.out)")
        #expect(try f.traits("u2") == [:])
        #expect(try f.traits("u1") == ["score": "3"])
        // A model that is gone owns nothing: its traits pass to the model that writes them now.
        try f.removeModel("app_engagement")
        #expect(try f.sync("web_engagement").record.status == .succeeded)
        #expect(try f.traits("u2") == ["score": "20"])
    }

    @Test(arguments: StoreKind.allCases)
    func invalidJSONNeverReachesTheStoreAndTheRowIsNamed(store: StoreKind) async throws {
        let f = try SyncFixture(store: store, source: .sqlite)
        try f.warehouse(
            """
            CREATE TABLE accounts (user_id TEXT, settings JSON, plan TEXT, note TEXT);
            INSERT INTO accounts VALUES ('u1', '{"a":1}', 'free', 'ok'), ('u2', '', 'free', 'x'), ('u3', 'not json',
                'pro', 'y'),
                                        ('u4', '[1,2]', 'pro', 'z' || char(0) || 'w');
            """)
        try f.model("m", "-- key: user_id\nSELECT user_id, settings, plan, note FROM accounts")
        let first = await runCLI(["sync", "m", "--json"], in: f.directory)
        #expect(first.status == 0, "\(first.err)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(first.out.utf8)) as? [String: Any])
        let run = try #require((document["runs"] as? [[String: Any]])?.first)
        #expect(run["invalid"] as? Int == 3)
        #expect(run["added"] as? Int == 1)
        let invalid = try #require(run["invalid_rows"] as? [[String: Any]])
        #expect(invalid.map { $0["key"] as? String } == ["u2", "u3", "u4"])
        #expect(invalid.map { $0["column"] as? String } == ["settings", "settings", "note"])
        #expect((invalid[0]["reason"] as? String)?.contains("not valid JSON") == true)
        #expect((invalid[2]["reason"] as? String)?.contains("NUL") == true)
        for (key, traits) in try f.allProfiles() {
            for (trait, value) in traits {
                #expect(
                    (try? JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)) != nil,
                    "\(key).\(trait) = \(value)")
            }
        }
        // The documented view reads, and a later run does not fail.
        if store == .sqlite {
            let db = try SQLiteSource(path: String(f.storeURL.dropFirst("sqlite:".count)))
            #expect(try db.collect("SELECT count(*) AS n FROM profile_traits").rows == [[.int(3)]])
        }
        // A value that turns bad keeps the profile's last good value and is named.
        try f.warehouse("UPDATE accounts SET settings = '{oops' WHERE user_id = 'u1'")
        let second = try f.sync("m")
        #expect(second.record.status == .succeeded && second.record.invalid == 4 && second.record.removed == 0)
        #expect(try f.traits("u1")["settings"]?.replacingOccurrences(of: " ", with: "") == "{\"a\":1}")
        try f.warehouse("UPDATE accounts SET settings = '{\"a\":2}' WHERE user_id = 'u1'")
        #expect(try f.sync("m").record.changed == 1)
        #expect(try f.traits("u1")["settings"]?.replacingOccurrences(of: " ", with: "") == "{\"a\":2}")
    }

    @Test(arguments: StoreKind.allCases)
    func blankNulAndOverlongKeysAreInvalidNamedAndNeverMerged(store: StoreKind) async throws {
        let f = try SyncFixture(store: store, source: .sqlite)
        try f.warehouse(
            """
            CREATE TABLE t (id TEXT, v INTEGER);
            INSERT INTO t VALUES ('a', 1), ('a' || char(0) || 'b', 2), ('a' || char(0) || 'c', 3), ('', 4), ('   ', 5),
                (NULL, 6),
                                 (printf('%.*c', 100000, 'k'), 7);
            """)
        try f.model("m", "-- key: id\nSELECT id, v FROM t")
        let result = await runCLI(["sync", "m"], in: f.directory)
        #expect(result.status == 0, "\(result.err)")
        let run = try f.sync("m")
        #expect(run.record.invalid == 6)
        #expect(run.record.unchanged == 1)
        #expect(try f.allProfiles() == ["a": ["v": "1"]])
        #expect(result.out.contains("6 rows not synced"), "\(result.out)")
        #expect(result.out.contains("key \"a\\u{0}b\": the key contains a NUL character"))
        #expect(result.out.contains("key \"\": the key is blank"))
        #expect(result.out.contains("a NULL key: the key is NULL"))
        #expect(result.out.contains("the key is 100000 bytes, more than 1024"))
    }

    @Test(arguments: StoreKind.allCases)
    func runsThatWroteNothingRecordNothingWritten(store: StoreKind) async throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            "CREATE TABLE t (id text, v int); INSERT INTO t SELECT 'k' || g, g FROM generate_series(1, 8) g")
        try f.model("m", "-- key: id\nSELECT id, v FROM t UNION ALL SELECT 'k1', 0")
        #expect(await runCLI(["sync", "m"], in: f.directory).status == 1)
        let failed = try #require(try f.store().runs(model: "m", limit: 1).first)
        #expect(failed.status == .failed)
        #expect(failed.rowsRead == 9)
        #expect(failed.added == 0 && failed.traitsWritten == 0)
        // A held run records what it read, and says what it would have written.
        try f.model("m", "-- key: id\nSELECT id, v FROM t")
        try f.sync("m")
        try f.warehouse("DELETE FROM t WHERE v > 2")
        let held = await runCLI(["sync", "m", "--json"], in: f.directory)
        #expect(held.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(held.out.utf8)) as? [String: Any])
        let run = try #require((document["runs"] as? [[String: Any]])?.first)
        #expect(run["status"] as? String == "blocked")
        #expect(run["removed"] as? Int == 0)
        #expect((run["would"] as? [String: Any])?["removed"] as? Int == 6)
        let recorded = try #require(try f.store().runs(model: "m", limit: 10).first { $0.status == .blocked })
        #expect(
            recorded.status == .blocked && recorded.removed == 0 && recorded.traitsWritten == 0
                && recorded.rowsRead == 2)
    }

    /// Two models that take one trait and commit at the same moment: one is refused, nothing of it
    /// is written (the check runs inside the commit, one commit at a time).
    @Test(arguments: StoreKind.allCases)
    func twoModelsCommittingAtOnceCannotBothTakeATrait(store: StoreKind) throws {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            """
            CREATE TABLE t (id text, score int); INSERT INTO t VALUES ('u1', 1), ('u2', 2);
            CREATE TABLE t2 (id text, score int); INSERT INTO t2 VALUES ('u1', 100), ('u3', 300);
            """)
        try f.model("a", "-- key: id\nWITH s AS (SELECT pg_sleep(1)) SELECT id, score FROM t, s")
        try f.model("b", "-- key: id\nWITH s AS (SELECT pg_sleep(1)) SELECT id, score FROM t2, s")
        let first = try ToolProcess(project: f.directory, ["sync", "a"])
        let second = try ToolProcess(project: f.directory, ["sync", "b"])
        let statuses = [first.wait(timeout: 60), second.wait(timeout: 60)]
        #expect(statuses.sorted { ($0 ?? 9) < ($1 ?? 9) } == [0, 1], "\(first.stderr)\(second.stderr)")
        let profiles = try f.allProfiles()
        let fromA = profiles["u2"] != nil
        let fromB = profiles["u3"] != nil
        #expect(fromA != fromB, "\(profiles)")
    }

    @Test(arguments: StoreKind.allCases)
    func jsonIsCheckedAsRFC8259AndDistinctValuesStayDistinct(store: StoreKind) async throws {
        let f = try SyncFixture(store: store, source: .sqlite)
        try f.warehouse(
            """
            CREATE TABLE t (id TEXT, j JSON, amount DECIMAL(38,2), raw TEXT, ratio REAL);
            INSERT INTO t VALUES ('bom', char(65279) || '{"a":1}', 1e20, 'a', 0.0), ('comma', '[1,2,]', 1.5e-7, 'b',
                0.0),
                                 ('big', '[1e400]', 12.5, CAST(x'80' AS TEXT), -0.0), ('escaped', '"\\\\u0000"', 1,
                                     'c', 1.0);
            """)
        try f.model("m", "-- key: id\nSELECT id, j, amount, raw, ratio FROM t")
        let run = try f.sync("m")
        #expect(run.invalidRows.map(\.key) == ["bom", "comma"], "\(run.invalidRows)")
        #expect(run.record.added == 2)
        #expect(run.invalidRows.allSatisfy { $0.column == "j" && $0.reason.contains("not valid JSON") })
        let big = try f.traits("big")
        // PostgreSQL's jsonb writes the number out in digits; SQLite keeps the text.
        #expect(big["j"] == "[1e400]" || (big["j"]?.count ?? 0) > 400, "\(big)")
        #expect(big["amount"] == "12.5")
        #expect(try f.traits("escaped")["amount"] == "1")
        let validator = try JSONValidator()
        for traits in try GeneratedRowsPropertyTests.storedTraits(f) {
            #expect(validator.isStorable(traits), "\(traits)")
        }
        // An exact column SQLite stored as a double keeps the plain decimal form.
        try f.warehouse("UPDATE t SET j = '{}', amount = 1e20 WHERE id = 'big'")
        #expect(try f.sync("m").record.changed == 1)
        #expect(try f.traits("big")["amount"] == "100000000000000000000")
        // Text that is not valid UTF-8 keeps its bytes, so a change to other bytes is seen.
        try f.warehouse("UPDATE t SET raw = CAST(x'81' AS TEXT) WHERE id = 'big'")
        #expect(try f.sync("m").record.changed == 1)
    }
}

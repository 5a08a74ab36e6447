import Connectors
import Foundation
import TestSupport
import Testing

@testable import SyncCore
@testable import WarehouseSync

/// Schema drift (docs/drift-and-plans.md), end to end: each kind of drift holds the run with a message that names
/// it and writes nothing (the snapshot's types included, so the next run is held the same way);
/// `schema: evolve` and `--accept-schema` apply it; moves within a type family are not drift.
/// Every combination of store (SQLite, PostgreSQL) and source (PostgreSQL, SQLite) is tried.
@Suite struct SchemaDriftTests {
    struct Setup: CustomTestStringConvertible, Sendable {
        var store: StoreKind
        var source: WarehouseKind
        var testDescription: String { "\(store.rawValue) store, \(source == .sqlite ? "sqlite" : "postgres") source" }
    }

    static let setups = StoreKind.allCases.flatMap { store in
        [WarehouseKind.postgres, .sqlite].map { Setup(store: store, source: $0) }
    }

    /// One kind of drift: the table's columns after it, the model's header and query after it, and
    /// the line the held run's message must contain.
    struct Drift: CustomTestStringConvertible, Sendable {
        var name: String
        var columns: String
        var model: String
        var message: String
        var testDescription: String { name }
    }

    static let baseColumns = "user_id TEXT, ltv NUMERIC, tier TEXT"
    static let baseModel = "-- key: user_id\nSELECT user_id, ltv, tier FROM customers\n"

    static let drifts = [
        Drift(
            name: "text → integer", columns: "user_id TEXT, ltv NUMERIC, tier INTEGER", model: baseModel,
            message: "trait tier: text → int"),
        Drift(
            name: "numeric → text", columns: "user_id TEXT, ltv TEXT, tier TEXT", model: baseModel,
            message: "trait ltv: decimal → text"),
        Drift(
            name: "a dropped trait", columns: baseColumns,
            model: "-- key: user_id\nSELECT user_id, ltv FROM customers\n",
            message: "trait tier: no longer in the result (would unset 10 profiles)"),
        Drift(
            name: "a renamed key", columns: baseColumns,
            model: "-- key: customer_id\nSELECT user_id AS customer_id, ltv, tier FROM customers\n",
            message: "key column: user_id → customer_id"),
        Drift(
            name: "key text → integer", columns: "user_id INTEGER, ltv NUMERIC, tier TEXT", model: baseModel,
            message: "key user_id: text → int"),
    ]

    /// Replaces `customers` with ten rows under `columns` (values written as text literals, which
    /// both engines convert to the column's type).
    func fill(_ f: SyncFixture, columns: String, bump: Int = 0) throws {
        let rows = (1...10).map { "('\($0)', '\(Double($0) + 0.5 + Double(bump))', '\($0)')" }
        try f.warehouse(
            "DROP TABLE IF EXISTS customers; CREATE TABLE customers (\(columns)); "
                + "INSERT INTO customers VALUES \(rows.joined(separator: ", "))")
    }

    @Test(arguments: setups, drifts)
    func driftIsHeldAndWritesNothingUntilEvolveAppliesIt(setup: Setup, drift: Drift) throws {
        let f = try SyncFixture(store: setup.store, source: setup.source)
        try fill(f, columns: Self.baseColumns)
        try f.model("ltv", Self.baseModel)
        #expect(try f.sync("ltv").record.status == .succeeded)
        let before = try f.allProfiles()
        let schemaBefore = try f.store().snapshotInfo(model: "ltv")?.schema
        #expect(schemaBefore?.traits.map(\.type) == [.decimal, .text], "\(String(describing: schemaBefore))")

        try fill(f, columns: drift.columns, bump: 1)
        try f.model("ltv", drift.model)
        for attempt in 1...2 {
            let held = try f.sync("ltv")
            #expect(held.record.status == .blocked, "attempt \(attempt): \(String(describing: held.record.error))")
            let message = held.record.error ?? ""
            #expect(message.contains(drift.message), "\(message)")
            #expect(message.contains("--accept-schema") && message.contains("schema: evolve"), "\(message)")
            #expect(try f.allProfiles() == before, "a held run writes nothing")
            #expect(try f.store().snapshotInfo(model: "ltv")?.schema == schemaBefore, "nor the snapshot's types")
            #expect(try f.store().changes(ChangeQuery(run: held.record.id, limit: 10)).isEmpty)
        }
        var plan = SyncOptions()
        plan.dryRun = true
        #expect(try f.sync("ltv", plan).drift?.lines.contains { $0.contains(drift.message) } == true)

        try f.model("ltv", "-- schema: evolve\n" + drift.model)
        let applied = try f.sync("ltv")
        #expect(applied.record.status == .succeeded, "\(String(describing: applied.record.error))")
        #expect(try f.allProfiles() != before)
        if drift.name == "a dropped trait" {
            #expect(try f.traits("1")["tier"] == nil, "an accepted dropped trait is unset")
            #expect(try f.traits("1")["ltv"] != nil)
        }
        #expect(try f.sync("ltv").record.status != .blocked, "the new shape is the snapshot's now")
    }

    @Test(arguments: setups)
    func acceptSchemaAppliesOneRunAndMovesWithinAFamilyAreNotDrift(setup: Setup) throws {
        let f = try SyncFixture(store: setup.store, source: setup.source)
        let rows = (1...10).map { "('\($0)', '\($0)', '\($0)')" }.joined(separator: ", ")
        try f.warehouse("CREATE TABLE t (user_id TEXT, n INTEGER, s VARCHAR(10)); INSERT INTO t VALUES \(rows)")
        try f.model("m", "-- key: user_id\nSELECT user_id, n, s FROM t\n")
        #expect(try f.sync("m").record.status == .succeeded)
        let wider = (1...10).map { "('\($0)', '\($0 + 1)', '\($0)')" }.joined(separator: ", ")
        try f.warehouse("DROP TABLE t; CREATE TABLE t (user_id TEXT, n BIGINT, s TEXT); INSERT INTO t VALUES \(wider)")
        let run = try f.sync("m")
        #expect(run.record.status == .succeeded, "integer → bigint and varchar → text keep every value's form")
        #expect(run.record.changed == 10 && run.drift?.isEmpty == true)

        try f.warehouse("DROP TABLE t; CREATE TABLE t (user_id TEXT, n TEXT, s TEXT); INSERT INTO t VALUES \(wider)")
        #expect(try f.sync("m").record.status == .blocked)
        let accepted = try f.sync("m", SyncOptions(acceptSchema: true))
        #expect(accepted.record.status == .succeeded)
        #expect(try f.traits("3")["n"] == "\"4\"", "the value is text now")
        try f.model("m", "-- key: user_id\nSELECT user_id, n, s, 'x' AS extra FROM t\n")
        let added = try f.sync("m")
        #expect(added.record.status == .succeeded, "a new trait is accepted")
        #expect(added.drift?.newTraits == ["extra"])
    }
}

extension SchemaDriftTests {
    /// Types the connectors do not map (a PostgreSQL enum, inet, interval) take their family
    /// from their values, so moving them to another family is drift too.
    @Test func undeclaredPostgresTypesAreComparedByTheirValues() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            """
            CREATE TYPE tier AS ENUM ('gold', 'silver');
            CREATE TABLE t (id text, tr tier, ip inet); INSERT INTO t VALUES ('a', 'gold', '10.0.0.1');
            CREATE VIEW v AS SELECT id, tr, ip FROM t;
            """)
        try f.model("m", "-- key: id\nSELECT id, tr, ip FROM v\n")
        #expect(try f.sync("m").record.status == .succeeded)
        #expect(try f.store().snapshotInfo(model: "m")?.schema?.traits.map(\.type) == [.text, .text])
        try f.warehouse("DROP VIEW v; CREATE VIEW v AS SELECT id, tr::text AS tr, ip FROM t")
        #expect(try f.sync("m").record.status == .succeeded, "enum → text keeps the values' form")
        try f.warehouse("DROP VIEW v; CREATE VIEW v AS SELECT id, (tr = 'gold') AS tr, 1 AS ip FROM t")
        let held = try f.sync("m").record
        #expect(held.status == .blocked)
        #expect(held.error?.contains("trait tr: text → bool") == true, "\(held.error ?? "")")
        #expect(held.error?.contains("trait ip: text → int") == true, "\(held.error ?? "")")
    }

    /// A SQLite expression has no declared type: its values decide, and a change of data alone
    /// (an integer that became 10.5; a text value set to NULL in a column that mixes kinds) is
    /// not drift.
    @Test func undeclaredSQLiteColumnsAreNotHeldForTheirData() throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse(
            """
            CREATE TABLE ev (id TEXT, payload TEXT, mixed);
            INSERT INTO ev VALUES ('u1', '{"score": 10}', 'x'), ('u2', '{"score": 7.5}', 3);
            """)
        try f.model("m", "-- key: id\nSELECT id, json_extract(payload, '$.score') AS score, mixed FROM ev\n")
        #expect(try f.sync("m").record.status == .succeeded)
        try f.warehouse(
            "UPDATE ev SET payload = '{\"score\": 10.5}' WHERE id = 'u1'; UPDATE ev SET mixed = NULL WHERE id = 'u1'")
        let run = try f.sync("m")
        #expect(run.record.status == .succeeded, "\(run.record.error ?? "")")
        try f.warehouse("UPDATE ev SET payload = '{\"score\": 1}'")
        #expect(try f.sync("m").record.status == .succeeded, "all integers now: still a number")
        try f.model(
            "m", "-- key: id\nSELECT id, CAST(json_extract(payload, '$.score') AS TEXT) AS score, mixed FROM ev\n")
        #expect(try f.sync("m").record.error?.contains("trait score: int → text") == true, "a real change is held")
    }

    @Test func theMessageSaysWhatKeepAndBothGuardsNeed() throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            "CREATE TABLE c (id text, a int, b text); "
                + "INSERT INTO c SELECT 'k' || g, g, 'x' FROM generate_series(1, 10) g"
        )
        try f.model("m", "-- key: id\n-- on_remove: keep\nSELECT id, a, b FROM c\n")
        _ = try f.sync("m")
        try f.model("m", "-- key: id\n-- on_remove: keep\nSELECT id, a FROM c\n")
        let kept = try f.sync("m").record.error ?? ""
        #expect(kept.contains("trait b: no longer in the result (kept on 10 profiles: on_remove is keep)"), "\(kept)")

        try f.model("m", "-- key: id\n-- max_changed: 20%\nSELECT id, a FROM c\n")
        let both = try f.sync("m").record.error ?? ""
        #expect(both.contains("it would also be held: would change 10 of 10 profiles"), "\(both)")
        #expect(both.contains("run: warehouse-sync sync m --accept-schema --force"), "\(both)")
        let accepted = try f.sync("m", SyncOptions(acceptSchema: true)).record.error ?? ""
        #expect(accepted.contains("run: warehouse-sync sync m --accept-schema --force"), "\(accepted)")
        var both2 = SyncOptions(force: true, acceptSchema: true)
        both2.trigger = .manual
        #expect(try f.sync("m", both2).record.status == .succeeded)
    }
}

/// The drift rules without a database.
@Suite struct SchemaDriftRuleTests {
    func schema(key: String = "k", keyType: ValueType = .text, _ traits: [(String, ValueType)]) -> ResultSchema {
        ResultSchema(key: key, keyType: keyType, traits: traits.map { .init(name: $0.0, type: $0.1) })
    }

    @Test func differencesAreListedInOrderAndUnknownIsNeverDrift() {
        let previous = schema([("a", .int), ("b", .text), ("c", .decimal), ("d", .unknown)])
        let current = schema(key: "id", keyType: .int, [("b", .int), ("c", .unknown), ("d", .json), ("e", .bool)])
        let drift = SchemaDrift(previous: previous, current: current, droppedProfiles: ["a": 4812])
        #expect(
            drift.lines == [
                "key column: k → id", "key id: text → int",
                "trait a: no longer in the result (would unset 4,812 profiles)",
                "trait b: text → int",
            ])
        #expect(drift.newTraits == ["e"])
        #expect(SchemaDrift(previous: previous, current: previous).isEmpty)
    }

    @Test func theStoredSchemaKeepsKnownTypesAndReadsBack() {
        let previous = schema([("a", .int), ("b", .text)])
        let current = schema([("a", .unknown), ("b", .json)]).keepingKnownTypes(of: previous)
        #expect(current.traits.map(\.type) == [.int, .json])
        #expect(ResultSchema(json: current.json) == current)
        #expect(ResultSchema(json: "not json") == nil)
        #expect(ResultSchema(json: #"{"key":"k","key_type":"interval","traits":[]}"#)?.keyType == .unknown)
    }
}

import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// docs/warehouse-diff.md: `-- diff: warehouse` compares the result inside the warehouse and streams only the
/// rows that changed; its profiles and counts equal a client-side run's of the same data.
@Suite(.serialized) struct WarehouseDiffTests {
    static let scratch = "scratch_schema = \"ws_scratch\""

    /// A fixture whose source has the scratch schema (created by the warehouse's owner).
    static func fixture(_ store: StoreKind) throws -> SyncFixture {
        let f = try SyncFixture(store: store)
        try f.writeConfig(extraSource: scratch)
        try f.warehouse("CREATE SCHEMA ws_scratch")
        return f
    }

    /// A second project on the same warehouse, diffing client-side.
    static func clientTwin(of f: SyncFixture, _ store: StoreKind, model: String, _ text: String) throws -> SyncFixture {
        let twin = try SyncFixture(store: store)
        twin.reuseWarehouse(of: f)
        try twin.model(model, text.replacingOccurrences(of: "-- diff: warehouse\n", with: ""))
        return twin
    }

    /// The model's tables in the scratch schema.
    static func scratchTables(_ f: SyncFixture) throws -> [String] {
        let rows = try PGConnection(conninfo: f.warehouseURL).execute(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'ws_scratch' ORDER BY 1")
        return (0..<rows.rowCount).map { rows.text($0, 0)! }
    }

    static let features = """
        CREATE TABLE features (id text, score int, tier text, amount numeric(12,2), seen timestamptz, tags text[],
            attrs jsonb, vip boolean);
        INSERT INTO features SELECT 'k' || g, g % 1000, CASE WHEN g % 3 = 0 THEN 'gold' ELSE NULL END, g * 0.25,
            timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute', ARRAY['a' || (g % 5), 'b'],
            jsonb_build_object('n', g % 7, 's', 'x' || g), g % 11 = 0
        FROM generate_series(1, 3000) g;
        """

    static let model = """
        -- key: id
        -- diff: warehouse
        -- max_removed: 100%
        SELECT id, score, tier, amount, seen, tags, attrs, vip FROM features
        """

    /// Rounds of changes of every kind; after each, both projects sync and must agree.
    static let rounds = [
        "UPDATE features SET score = score + 1 WHERE id IN ('k1', 'k2', 'k300')",
        "DELETE FROM features WHERE id IN ('k5', 'k6'); INSERT INTO features VALUES ('new1', 1, 'x', 1.5, NULL, "
            + "NULL, NULL, NULL)",
        // Values rewritten to themselves, and a NULL turned into a value and back into NULL.
        "UPDATE features SET tier = tier WHERE id LIKE 'k1%'; UPDATE features SET tier = 'gold' WHERE id = 'k7'",
        "UPDATE features SET tier = NULL WHERE id = 'k7'; UPDATE features SET attrs = '{\"n\": 1}' WHERE id = 'k8'",
        // Unusable keys: counted invalid by both, never written.
        "INSERT INTO features VALUES (NULL, 5, 'n', 1, NULL, NULL, NULL, NULL), ('   ', 6, 'b', 2, NULL, NULL, NULL, "
            + "NULL), ('', 7, 'e', 3, NULL, NULL, NULL, NULL)",
        // A removed key comes back, and keys that sort between others by bytes, not by a collation.
        "INSERT INTO features VALUES ('k5', 5, 'back', 5, NULL, NULL, NULL, NULL), ('K5', 1, NULL, 0, NULL, NULL, "
            + "NULL, NULL), ('k_5', 2, NULL, 0, NULL, NULL, NULL, NULL), ('é', 3, NULL, 0, NULL, NULL, NULL, NULL)",
        "UPDATE features SET amount = amount + 0.01, vip = NOT vip WHERE substr(md5(id), 1, 2) = 'ab'",
        "DELETE FROM features WHERE substr(md5(id), 1, 2) = 'cd'",
        // The table was written to, its rows were not changed: an unchanged rerun.
        "UPDATE features SET score = score WHERE id = 'k1'",
    ]

    @Test(arguments: [StoreKind.sqlite, .postgres])
    func profilesAndCountsEqualAClientSideRunsAndFewBytesLeaveTheWarehouse(store: StoreKind) throws {
        let f = try Self.fixture(store)
        try f.warehouse(Self.features)
        try f.model("features", Self.model)
        let twin = try Self.clientTwin(of: f, store, model: "features", Self.model)
        for (round, change) in Self.rounds.enumerated() {
            if !change.isEmpty { try f.warehouse(change) }
            let inside = try f.sync("features", SyncOptions(force: true)).record
            let outside = try twin.sync("features", SyncOptions(force: true)).record
            #expect(inside.status == .succeeded, "round \(round): \(inside.error ?? "")")
            for field in [\DiffCounts.added, \.changed, \.removed, \.unchanged, \.rowsRead, \.traitsWritten] {
                #expect(inside.counts[keyPath: field] == outside.counts[keyPath: field], "round \(round) \(field)")
            }
            #expect(try f.allProfiles() == twin.allProfiles(), "round \(round)")
            if round > 0 {
                #expect(
                    inside.bytesReceived * 10 < outside.bytesReceived,
                    "round \(round): \(inside.bytesReceived) bytes inside, \(outside.bytesReceived) client-side")
            }
            let current = try #require(try f.store().snapshotInfo(model: "features")?.scratch?.table)
            #expect(try Self.scratchTables(f) == [current])
        }
        #expect(try f.allProfiles()["k5"]?["tier"] == "\"back\"")
        #expect(try f.allProfiles()[""] == nil && f.allProfiles()["   "] == nil)
    }

    @Test func switchingBetweenClientAndWarehouseResendsNothing() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(Self.features)
        let client = Self.model.replacingOccurrences(of: "-- diff: warehouse\n", with: "")
        try f.model("features", client)
        #expect(try f.sync("features").record.added == 3000)
        // client -> warehouse: the first warehouse-side run compares with the store's snapshot.
        try f.model("features", Self.model)
        var run = try f.sync("features").record
        #expect(run.counts.traitsWritten == 0 && run.unchanged == 3000, "\(run.counts)")
        try f.warehouse("UPDATE features SET score = -1 WHERE id = 'k9'")
        run = try f.sync("features").record
        #expect(run.changed == 1 && run.counts.traitsWritten == 1, "\(run.counts)")
        // warehouse -> client, a change in between, and back: each run writes only what changed.
        try f.model("features", client)
        try f.warehouse("UPDATE features SET score = -2 WHERE id = 'k9'")
        run = try f.sync("features").record
        #expect(run.changed == 1 && run.counts.traitsWritten == 1, "\(run.counts)")
        #expect(try f.store().snapshotInfo(model: "features")?.scratch == nil)
        try f.warehouse("UPDATE features SET score = -3 WHERE id = 'k9'")
        try f.model("features", Self.model)
        run = try f.sync("features").record
        #expect(run.changed == 1 && run.counts.traitsWritten == 1, "\(run.counts)")
        #expect(try f.traits("k9")["score"] == "-3")
        #expect(try Self.scratchTables(f).count == 1, "the table of the earlier warehouse-side run is gone")
        // A trait renamed with the same values: the hashes would agree, the shape does not.
        try f.model("features", Self.model.replacingOccurrences(of: "score,", with: "score AS points,"))
        run = try f.sync("features", SyncOptions(acceptSchema: true)).record
        #expect(run.changed == 3000, "\(run.counts)")
        #expect(try f.traits("k9")["points"] == "-3" && f.traits("k9")["score"] == nil)
    }

    @Test func duplicateKeysAreReportedAsClientSideAndNothingIsWritten() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(Self.features)
        try f.model("features", Self.model)
        try f.sync("features")
        let before = try Self.scratchTables(f)
        try f.warehouse(
            "INSERT INTO features SELECT * FROM features WHERE id IN ('k10', 'k11'); "
                + "INSERT INTO features SELECT * FROM features WHERE id = 'k10'; UPDATE features SET score = 0")
        let twin = try Self.clientTwin(of: f, .sqlite, model: "features", Self.model)
        let inside = #expect(throws: SyncError.self) { try f.sync("features") }
        let outside = #expect(throws: SyncError.self) { try twin.sync("features") }
        #expect(inside?.code == .duplicateKeys)
        #expect(inside?.message == outside?.message, "\(inside?.message ?? "")")
        #expect(inside?.message.contains("k10 (4 rows), k11 (2 rows)") == true, "\(inside?.message ?? "")")
        #expect(try Self.scratchTables(f) == before, "a failed run leaves no table of its own")
        #expect(try f.traits("k1")["score"] == "1")
    }

    @Test func heldAndDryRunsKeepTheCurrentTableAndWriteNone() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(Self.features)
        try f.model("features", Self.model.replacingOccurrences(of: "100%", with: "10%"))
        try f.sync("features")
        let current = try Self.scratchTables(f)
        try f.warehouse("DELETE FROM features WHERE substr(id, 2, 1) IN ('1', '2')")
        let dry = try f.sync("features", SyncOptions(dryRun: true))
        #expect(dry.wouldWrite?.removed == 2222 && dry.blockedMessage != nil)
        let held = try f.sync("features").record
        #expect(held.status == .blocked && held.error?.contains("max_removed") == true)
        #expect(try Self.scratchTables(f) == current)
        let forced = try f.sync("features", SyncOptions(force: true)).record
        #expect(forced.removed == 2222 && forced.status == .succeeded)
        #expect(try Self.scratchTables(f) != current && Self.scratchTables(f).count == 1)
    }

    @Test func maxChangedAndOnRemoveKeepBehaveAsClientSide() throws {
        let f = try Self.fixture(.sqlite)
        try f.warehouse(Self.features)
        let model = Self.model.replacingOccurrences(
            of: "-- max_removed: 100%", with: "-- max_changed: 5%\n-- on_remove: keep")
        try f.model("features", model)
        let twin = try Self.clientTwin(of: f, .sqlite, model: "features", model)
        let rounds: [(String, SyncOptions)] = [
            ("", SyncOptions()), ("UPDATE features SET score = score + 1 WHERE substr(id, 2, 1) = '1'", SyncOptions()),
            ("", SyncOptions(force: true)), ("DELETE FROM features WHERE substr(id, 2, 2) = '88'", SyncOptions()),
        ]
        var statuses: [RunRecord.Status] = []
        for (change, options) in rounds {
            if !change.isEmpty { try f.warehouse(change) }
            let inside = try f.sync("features", options).record
            let outside = try twin.sync("features", options).record
            #expect(inside.status == outside.status && inside.error == outside.error, "\(inside.error ?? "")")
            #expect(inside.counts == outside.counts)
            #expect(try f.allProfiles() == twin.allProfiles())
            statuses.append(inside.status)
        }
        #expect(statuses == [.succeeded, .blocked, .succeeded, .succeeded], "\(statuses)")
        #expect(try f.traits("k88")["score"] == "88", "on_remove: keep")
    }

    @Test func segmentsAndSchemaDriftBehaveAsClientSide() throws {
        let f = try Self.fixture(.postgres)
        try f.warehouse(Self.features)
        let segment = "-- key: id\n-- kind: segment\n-- diff: warehouse\nSELECT id FROM features WHERE score < 100"
        try f.model("low_score", segment)
        let twin = try Self.clientTwin(of: f, .postgres, model: "low_score", segment)
        for change in ["", "UPDATE features SET score = 5 WHERE id = 'k500'", "DELETE FROM features WHERE id = 'k1'"] {
            if !change.isEmpty { try f.warehouse(change) }
            let inside = try f.sync("low_score").record
            let outside = try twin.sync("low_score").record
            #expect(inside.counts == outside.counts)
            #expect(try f.allProfiles() == twin.allProfiles())
        }
        // A dropped trait is drift: held as in client-side mode, until accepted.
        let twinFeatures = try Self.clientTwin(of: f, .postgres, model: "features", Self.model)
        try f.model("features", Self.model)
        try f.sync("features")
        try twinFeatures.sync("features")
        let narrower = Self.model.replacingOccurrences(of: ", vip", with: "")
        try f.model("features", narrower)
        try twinFeatures.model("features", narrower.replacingOccurrences(of: "-- diff: warehouse\n", with: ""))
        let held = try f.sync("features").record
        #expect(held.status == .blocked && held.error?.contains("vip") == true, "\(held.status) \(held.error ?? "-")")
        #expect(held.error == (try twinFeatures.sync("features").record.error))
        let accepted = try f.sync("features", SyncOptions(acceptSchema: true)).record
        #expect(accepted.status == .succeeded && accepted.changed == 2999, "\(accepted.counts)")
        #expect(accepted.counts == (try twinFeatures.sync("features", SyncOptions(acceptSchema: true)).record.counts))
        let withoutSegment = try f.allProfiles().mapValues { $0.filter { $0.key != "low_score" } }.filter {
            !$0.value.isEmpty
        }
        #expect(withoutSegment == (try twinFeatures.allProfiles()))
    }
}

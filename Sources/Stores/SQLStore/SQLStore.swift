import Foundation
import SyncCore

/// The store, written once for both engines over the `StoreDatabase` seam: profiles, snapshots,
/// runs, models, leases and heartbeats. Each run commits in one transaction, so a crash leaves
/// the store as it was before the run or after it. One store is used by one thread at a time.
package final class SQLStore<Database: StoreDatabase>: Store {
    package let database: Database
    let d: StoreDialect

    /// Wraps an open database whose schema is current (see `SQLStore.prepare`).
    package init(database: Database) {
        self.database = database
        d = database.dialect
    }

    func table(_ table: StoreTable) -> String { d.table(table) }

    /// Runs `body` in a write transaction: committed when it returns, rolled back when it throws.
    func writing<T>(_ body: () throws -> T) throws -> T {
        try database.beginWrite()
        do {
            let result = try body()
            try database.commitTransaction()
            return result
        } catch {
            database.rollback()
            throw error
        }
    }

    package func startCheckpoint() { database.startCheckpoint() }

    package func snapshotInfo(model: String) throws -> SnapshotInfo? {
        try database.first(
            """
            SELECT \(d.jsonText("trait_names")), snapshot_rows, \(d.jsonText("result_schema")), snapshot_run,
                \(d.jsonText("source_state")), \(d.jsonText("scratch_state"))
            FROM \(table(.models)) WHERE model = \(d.param(1))
            """,
            [.text(model)]
        ) { row in
            row.text(0).map {
                SnapshotInfo(
                    traitNames: decodeNames($0), rows: Int(row.integer(1) ?? 0),
                    schema: row.text(2).flatMap(ResultSchema.init(json:)), run: row.text(3),
                    sourceState: row.text(4).flatMap(SourceState.init(json:)),
                    scratch: row.text(5).flatMap(ScratchState.init(json:)))
            }
        }
    }

    package func storeID() throws -> String {
        try database.first(
            "SELECT value FROM \(table(.meta)) WHERE key = 'store_id'", []
        ) { $0.text(0) } ?? ""
    }

    package func traitNamesByModel() throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        try database.query("SELECT model, \(d.jsonText("trait_names")) FROM \(table(.models))", []) { row in
            if let model = row.text(0), let names = row.text(1) { result[model] = decodeNames(names) }
        }
        return result
    }

    package func snapshotCursor(model: String, deferringTraits: Bool) throws -> any SnapshotCursor {
        try database.snapshotCursor(model: model, deferringTraits: deferringTraits)
    }

    package func commit(_ run: RunCommit) throws -> RunRecord {
        try writing {
            try database.lockForCommit(model: run.record.model)
            if let holder = run.leaseHolder, let current = try leaseHolder(model: run.record.model), current != holder {
                throw StoreError.leaseLost(model: run.record.model, holder: current)
            }
            // Inside the commit's locks: two models that commit at once cannot both take one trait.
            try run.checkOwnership?(try traitNamesByModel())
            // The run's row comes first: profiles refer to it by its sequence number.
            let seq = try insertRun(run.record)
            // Inside the commit's locks, which every writer of profiles takes: no profile and no snapshot
            // row of the model means every change adds a key no row has (the writers' bulk paths).
            let intoEmptyStore =
                try database.first(
                    """
                    SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM \(table(.profiles)))
                        AND NOT EXISTS (SELECT 1 FROM \(table(.snapshots)) WHERE model = \(d.param(1)))
                    """, [.text(run.record.model)]
                ) { _ in true } ?? false
            var writer = try database.changeWriter(
                record: run.record, runSeq: seq, traitNames: run.traitNames,
                previousTraitNames: run.previousTraitNames, logChanges: run.logChanges, destinations: run.destinations,
                intoEmptyStore: intoEmptyStore)
            var written = 0
            try run.changes.forEach {
                try writer.apply($0)
                written += 1
                if written & 0xFFF == 0 {
                    run.onProgress?(written)
                    if run.isCancelled?() == true {
                        throw StoreError(
                            "the run was cancelled while it wrote; its transaction rolled back", code: .cancelled)
                    }
                }
            }
            try writer.finish()
            // A commit started while the run read learns its figures now; its run row is rewritten with them.
            var run = run
            if let settle = run.settle {
                try settle(&run)
                try updateRun(seq: seq, run.record)
            }
            for (ordinal, row) in run.invalidRows.prefix(RunCommit.invalidRowLimit).enumerated() {
                try database.run(
                    """
                    INSERT INTO \(table(.invalidRows)) (run_seq, ordinal, key, column_name, reason)
                    VALUES (\(d.param(1)), \(d.param(2)), \(d.param(3)), \(d.param(4)), \(d.param(5)))
                    """,
                    [
                        .integer(seq), .integer(Int64(ordinal)), row.key.map(StoreValue.text) ?? .null,
                        row.column.map(StoreValue.text) ?? .null, .text(row.reason),
                    ])
            }
            var record = run.record
            let finishedAt = run.finish()
            record.finishedAt = finishedAt
            try database.run(
                """
                INSERT INTO \(table(.models))
                    (model, trait_names, snapshot_rows, last_run_id, last_success_at, result_schema, snapshot_run,
                    source_state, scratch_state)
                VALUES (\(d.param(1)), \(d.jsonParam(2)), \(d.param(3)), \(d.param(4)), \(d.instantParam(5)),
                    \(d.jsonParam(6)), \(d.param(4)), \(d.jsonParam(7)), \(d.jsonParam(8)))
                ON CONFLICT (model) DO UPDATE SET trait_names = excluded.trait_names,
                    snapshot_rows = excluded.snapshot_rows, last_run_id = excluded.last_run_id,
                    last_success_at = excluded.last_success_at, result_schema = excluded.result_schema,
                    snapshot_run = excluded.snapshot_run, source_state = excluded.source_state,
                    scratch_state = excluded.scratch_state
                """,
                [
                    .text(record.model), .text(encodeNames(run.traitNames)), .integer(Int64(run.snapshotRows)),
                    .text(record.id), .real(finishedAt.timeIntervalSince1970),
                    run.schema.map { .text($0.json) } ?? .null, run.sourceState.map { .text($0.json) } ?? .null,
                    run.scratch.map { .text($0.json) } ?? .null,
                ])
            try database.run(
                "UPDATE \(table(.runs)) SET finished_at = \(d.instantParam(2)) WHERE seq = \(d.param(1))",
                [.integer(seq), .real(finishedAt.timeIntervalSince1970)])
            return record
        }
    }

    package func profile(key: String) throws -> ProfileRecord? {
        guard
            var profile = try database.first(
                "SELECT key, \(d.jsonText("traits")), \(d.isoText("updated_at")) FROM \(table(.profiles)) "
                    + "WHERE key = \(d.param(1))", [.text(key)],
                { row in
                    ProfileRecord(
                        key: row.text(0) ?? "", traitsJSON: row.text(1) ?? "{}", sources: [:],
                        updatedAt: row.text(2) ?? "")
                })
        else { return nil }
        try database.query(
            """
            SELECT e.key, r.id, r.model, \(d.epoch("r.finished_at")) FROM \(table(.profiles)) p
            CROSS JOIN \(d.jsonEntries("p.provenance")) e JOIN \(table(.runs)) r ON r.seq = CAST(e.value AS bigint)
            WHERE p.key = \(d.param(1))
            """, [.text(key)]
        ) { row in
            profile.sources[row.text(0) ?? ""] = .init(
                model: row.text(2) ?? "", run: row.text(1) ?? "",
                at: formatInstant(row.instant(3) ?? Date(timeIntervalSince1970: 0)))
        }
        return profile
    }

    package func invalidRows(run id: String) throws -> [InvalidRow] {
        var rows: [InvalidRow] = []
        try database.query(
            """
            SELECT i.key, i.column_name, i.reason FROM \(table(.invalidRows)) i
            JOIN \(table(.runs)) r ON r.seq = i.run_seq WHERE r.id = \(d.param(1)) ORDER BY i.ordinal
            """, [.text(id)]
        ) { row in rows.append(InvalidRow(key: row.text(0), column: row.text(1), reason: row.text(2) ?? "")) }
        return rows
    }

    package func profiles(_ query: ProfileQuery) throws -> [ProfileRecord] {
        // Each filter is on when its parameter is not null, so one statement serves every query.
        var rows: [ProfileRecord] = []
        try database.query(
            """
            SELECT key, \(d.jsonText("traits")), \(d.isoText("updated_at")) FROM \(table(.profiles))
            WHERE \(d.jsonText("traits")) <> '{}'
              AND (\(d.textParam(1)) IS NULL OR substr(key, 1, length(\(d.textParam(1)))) = \(d.textParam(1)))
              AND (\(d.textParam(2)) IS NULL OR \(d.traitValue("traits", name: 2)) IS NOT NULL)
              AND (\(d.textParam(3)) IS NULL OR \(d.traitValue("traits", name: 2)) = \(d.textParam(3)))
              AND (\(d.textParam(4)) IS NULL OR \(d.byteOrder("key")) > \(d.textParam(4)))
            ORDER BY \(d.byteOrder("key")) LIMIT \(d.param(5))
            """,
            [
                query.keyPrefix.map(StoreValue.text) ?? .null, query.trait.map(StoreValue.text) ?? .null,
                query.value.map(StoreValue.text) ?? .null, query.after.map(StoreValue.text) ?? .null,
                .integer(Int64(query.limit)),
            ]
        ) { row in
            rows.append(
                ProfileRecord(
                    key: row.text(0) ?? "", traitsJSON: row.text(1) ?? "{}", sources: [:],
                    updatedAt: row.text(2) ?? ""))
        }
        return rows
    }

    package func modelStates() throws -> [ModelState] {
        var states: [ModelState] = []
        try database.query(
            """
            SELECT n.model, coalesce(m.snapshot_rows, 0), m.last_run_id, \(d.epoch("m.last_success_at")),
                \(d.epoch("m.last_fire_at")), l.holder, \(d.epoch("l.expires_at"))
            FROM (SELECT model FROM \(table(.models)) UNION SELECT model FROM \(table(.leases))) n
            LEFT JOIN \(table(.models)) m ON m.model = n.model LEFT JOIN \(table(.leases)) l ON l.model = n.model
            ORDER BY n.model
            """, []
        ) { row in
            states.append(
                ModelState(
                    model: row.text(0) ?? "", snapshotRows: Int(row.integer(1) ?? 0), lastRunID: row.text(2),
                    lastSuccessAt: row.instant(3), lastFireAt: row.instant(4), leaseHolder: row.text(5),
                    leaseExpiresAt: row.instant(6)))
        }
        return states
    }

    // MARK: - Leases and scheduler state

    package func acquireLease(model: String, holder: String, ttl: Duration, now: Date) throws -> Bool {
        let expires = now.timeIntervalSince1970 + Double(ttl.components.seconds)
        return try database.run(
            """
            INSERT INTO \(table(.leases)) AS l (model, holder, expires_at)
            VALUES (\(d.param(1)), \(d.param(2)), \(d.instantParam(3)))
            ON CONFLICT (model) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE l.expires_at < \(d.instantParam(4)) OR l.holder = excluded.holder
            """, [.text(model), .text(holder), .real(expires), .real(now.timeIntervalSince1970)]) == 1
    }

    package func renewLease(model: String, holder: String, ttl: Duration, now: Date) throws {
        try database.run(
            "UPDATE \(table(.leases)) SET expires_at = \(d.instantParam(3)) "
                + "WHERE model = \(d.param(1)) AND holder = \(d.param(2))",
            [.text(model), .text(holder), .real(now.timeIntervalSince1970 + Double(ttl.components.seconds))])
    }

    package func releaseLease(model: String, holder: String) throws {
        try database.run(
            "DELETE FROM \(table(.leases)) WHERE model = \(d.param(1)) AND holder = \(d.param(2))",
            [.text(model), .text(holder)])
    }

    package func leaseHolder(model: String) throws -> String? {
        try database.first(
            "SELECT holder FROM \(table(.leases)) WHERE model = \(d.param(1))", [.text(model)]
        ) { $0.text(0) }
    }

    package func recordFire(model: String, at fireAt: Date) throws {
        try database.run(
            """
            INSERT INTO \(table(.models)) (model, trait_names, last_fire_at) VALUES (\(d.param(1)), '[]',
                \(d.instantParam(2)))
            ON CONFLICT (model) DO UPDATE SET last_fire_at = excluded.last_fire_at
            """, [.text(model), .real(fireAt.timeIntervalSince1970)])
    }

    package func heartbeat(holder: String, at date: Date) throws {
        try database.run(
            """
            INSERT INTO \(table(.heartbeats)) (holder, beat_at) VALUES (\(d.param(1)), \(d.instantParam(2)))
            ON CONFLICT (holder) DO UPDATE SET beat_at = excluded.beat_at
            """, [.text(holder), .real(date.timeIntervalSince1970)])
    }

    package func lastHeartbeat() throws -> Date? {
        try database.first("SELECT \(d.epoch("max(beat_at)")) FROM \(table(.heartbeats))") { $0.instant(0) }
    }
}

@available(*, unavailable)
extension SQLStore: Sendable {}

/// A JSON array of trait names, as `models.trait_names` keeps them.
func encodeNames(_ names: [String]) -> String {
    var out: [UInt8] = [UInt8(ascii: "[")]
    for (i, name) in names.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        appendJSONString(name, to: &out)
    }
    out.append(UInt8(ascii: "]"))
    return String(decoding: out, as: UTF8.self)
}

func decodeNames(_ json: String) -> [String] {
    (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
}

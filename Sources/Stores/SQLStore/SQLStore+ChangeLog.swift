import Foundation
import SyncCore

/// The change log (`changes`): reading it, pruning it, and `revert`, which puts back what a run
/// changed as a run of its own.
extension SQLStore {
    /// The change log's rows, newest run first, then by key and trait. Each of the three tables
    /// behind the `changes` view is read with its own limit (an added or removed profile's row
    /// expands to its traits only within the limit), and the three are merged. A row's run id, model
    /// and time are its run's (the log keeps the run's seq).
    package func changes(_ query: ChangeQuery) throws -> [ChangeRecord] {
        // Each row's run (the log keeps its seq), then the query's filters.
        let runAndFilters = """
            LEFT JOIN \(table(.runs)) r ON r.seq = c.run_seq
            WHERE (\(d.textParam(1)) IS NULL OR r.model = \(d.param(1)))
              AND (\(d.textParam(2)) IS NULL OR r.id = \(d.param(2)))
              AND (\(d.textParam(3)) IS NULL OR c.key = \(d.param(3)))
              AND (\(d.instantParam(4)) IS NULL OR r.finished_at >= \(d.instantParam(4)))
            """
        let parameters: [StoreValue] = [
            StoreValue(query.model), StoreValue(query.run), StoreValue(query.key),
            query.since.map { .real($0.timeIntervalSince1970) } ?? .null, .integer(Int64(query.limit)),
        ]
        let each = d.eachLoggedTrait("a")
        let run = "c.run_seq, r.id AS run, r.model, c.key"
        let at = d.instantText("r.finished_at")
        /// An added or removed profile's rows, limited, then expanded to a row per trait (`old`, `new`:
        /// the value's place).
        func expanded(_ log: StoreTable, old: String, new: String) -> String {
            """
            SELECT a.run_seq, a.run, a.model, a.key, e.key, \(old), \(new), a.at
            FROM (SELECT \(run), c.traits, \(at) AS at FROM \(table(log)) c \(runAndFilters)
                ORDER BY c.run_seq DESC, c.key LIMIT \(d.param(5))) a
            CROSS JOIN \(each.join)
            """
        }
        var rows: [(seq: Int64, record: ChangeRecord)] = []
        for sql in [
            """
            SELECT \(run), c.trait, c.old, c.new, \(at) FROM \(table(.changeRows)) c
            \(runAndFilters) ORDER BY c.run_seq DESC, c.key, \(d.byteOrder("c.trait")) LIMIT \(d.param(5))
            """,
            expanded(.changeAdded, old: "NULL", new: each.value),
            expanded(.changeRemoved, old: each.value, new: "NULL"),
        ] {
            try database.query(sql, parameters) { row in
                rows.append(
                    (
                        row.integer(0) ?? 0,
                        ChangeRecord(
                            run: row.text(1) ?? "", model: row.text(2) ?? "", key: row.text(3) ?? "",
                            trait: row.text(4) ?? "", old: row.text(5), new: row.text(6), at: row.text(7) ?? "")
                    ))
            }
        }
        rows.sort { a, b in
            if a.seq != b.seq { return a.seq > b.seq }
            if a.record.key != b.record.key { return a.record.key.utf8.lexicographicallyPrecedes(b.record.key.utf8) }
            return a.record.trait.utf8.lexicographicallyPrecedes(b.record.trait.utf8)
        }
        return rows.prefix(query.limit).map(\.record)
    }

    package func pruneChanges(before cutoff: Date) throws -> Int {
        // Runs, not rows, are compared with the cutoff: the log's primary key starts with run_seq.
        let last = try database.first(
            "SELECT max(seq) FROM \(table(.runs)) WHERE finished_at < \(d.instantParam(1))",
            [.real(cutoff.timeIntervalSince1970)]
        ) { $0.integer(0) }
        guard let last else { return 0 }
        // A run's invalid rows go with its changes.
        try database.run("DELETE FROM \(table(.invalidRows)) WHERE run_seq <= \(d.param(1))", [.integer(last)])
        var deleted = 0
        for log in [StoreTable.changeAdded, .changeRemoved, .changeRows] {
            deleted += try database.run("DELETE FROM \(table(log)) WHERE run_seq <= \(d.param(1))", [.integer(last)])
        }
        return deleted
    }

    package func revert(_ request: RevertRequest) throws -> RevertOutcome {
        try database.beginWrite()
        do {
            let outcome = try revertInTransaction(request)
            if outcome.record == nil { database.rollback() } else { try database.commitTransaction() }
            return outcome
        } catch {
            database.rollback()
            throw error
        }
    }

    private func refuse(_ target: String, _ message: String, hint: String, model: String = "", remedy: Remedy? = nil)
        -> SyncError
    {
        SyncError(
            .revertRefused, model: model, "run \(target): \(message); nothing was written", hint: hint, remedy: remedy)
    }

    private func revertInTransaction(_ request: RevertRequest) throws -> RevertOutcome {
        let target = request.target
        typealias Run = (seq: Int64, model: String, status: String, changed: Int64)
        let found: Run? = try database.first(
            "SELECT seq, model, status, added + changed + removed FROM \(table(.runs)) WHERE id = \(d.param(1))",
            [.text(target)]
        ) { row in (row.integer(0) ?? 0, row.text(1) ?? "", row.text(2) ?? "", row.integer(3) ?? 0) }
        guard let run = found else {
            throw refuse(
                target, "no such run", hint: "a run's id is in the list of runs, or in the change log",
                remedy: .listRuns(model: nil))
        }
        guard run.status == RunRecord.Status.succeeded.rawValue else {
            throw refuse(
                target, "the run \(run.status) and wrote nothing",
                hint: "only a succeeded run changed profiles; pick one from the model's runs", model: run.model,
                remedy: .listRuns(model: run.model))
        }
        try database.lockForCommit(model: run.model)
        var entries: [ChangeLogEntry] = []
        try database.query(
            "SELECT key, trait, old, new FROM \(table(.changes)) WHERE run_seq = \(d.param(1)) ORDER BY key, trait",
            [.integer(run.seq)]
        ) { row in
            entries.append(
                ChangeLogEntry(key: row.text(0) ?? "", trait: row.text(1) ?? "", old: row.text(2), new: row.text(3)))
        }
        if entries.isEmpty && run.changed > 0 {
            // Pruning deletes every run's rows up to some run: rows of an earlier run mean this one logged none.
            let earlier = try database.first(
                "SELECT count(*) FROM \(table(.changes)) WHERE run_seq < \(d.param(1))", [.integer(run.seq)]
            ) { $0.integer(0) }
            throw SyncError(
                .revertRefused, model: run.model,
                "run \(target) has no changes in the change log; nothing was written",
                hint: (earlier ?? 0) > 0
                    ? "it changed no trait value (a --full run that found nothing new, or keys that left the "
                        + "model with on_remove: keep), so there is nothing to put back"
                    : "either it changed no trait value, or [store] change_retention pruned its changes")
        }
        let names = Set(try snapshotInfo(model: run.model)?.traitNames ?? [])
        let orphaned = Set(entries.map(\.trait)).subtracting(names).sorted()
        if !orphaned.isEmpty && !request.force {
            throw SyncError(
                .revertRefused, model: run.model,
                "run \(target) changed traits the model no longer writes (\(orphaned.joined(separator: ", "))); "
                    + "putting them back would leave values no sync ever updates or unsets; nothing was written",
                hint: "add them back to the model and sync first, or put them back anyway",
                remedy: .repeatWith(options: ["--force"]))
        }
        var conflicts: [RevertConflict] = []
        try database.query(
            """
            -- Driven by the primary key (run_seq, key, trait): the later runs' rows, each matched to the
            -- reverted run's by a key lookup.
            SELECT l.key, l.trait, max(l.run_seq), max(r.id) FROM \(table(.changes)) l
            JOIN \(table(.changes)) t ON t.run_seq = \(d.param(1)) AND t.key = l.key AND t.trait = l.trait
            JOIN \(table(.runs)) r ON r.seq = l.run_seq
            WHERE l.run_seq > \(d.param(1)) GROUP BY l.key, l.trait ORDER BY l.key, l.trait
            """, [.integer(run.seq)]
        ) { row in
            conflicts.append(
                RevertConflict(key: row.text(0) ?? "", trait: row.text(1) ?? "", laterRun: row.text(3) ?? ""))
        }
        // Each trait's value now, which the revert's own change-log row records as old.
        var current: [ChangeLogEntry] = []
        for entry in entries {
            let now = try database.first(
                "SELECT \(d.traitValue("traits", name: 2)) FROM \(table(.profiles)) WHERE key = \(d.param(1))",
                [.text(entry.key), .text(entry.trait)]
            ) { $0.text(0) }
            current.append(ChangeLogEntry(key: entry.key, trait: entry.trait, old: now, new: entry.old))
        }
        guard !request.dryRun, conflicts.isEmpty || request.force else {
            return RevertOutcome(model: run.model, entries: current, conflicts: conflicts, record: nil)
        }
        var record = request.record
        record.model = run.model
        record.counts.changed = Set(entries.map(\.key)).count
        record.counts.traitsWritten = entries.count
        let seq = try insertRun(record)
        let at = formatInstant(record.finishedAt ?? record.startedAt)
        for entry in current {
            if let value = entry.new {
                try database.run(
                    d.setTraitStatement(key: 1, name: 2, value: 3, seq: 4, at: 5),
                    [.text(entry.key), .text(entry.trait), .text(value), .integer(seq), .text(at)])
            } else {
                try database.run(
                    d.unsetTraitStatement(key: 1, name: 2, at: 3), [.text(entry.key), .text(entry.trait), .text(at)])
            }
            if request.logChanges {
                try database.run(
                    """
                    INSERT INTO \(table(.changeRows)) (run_seq, key, trait, old, new)
                    VALUES (\(d.param(1)), \(d.param(2)), \(d.param(3)), \(d.param(4)), \(d.param(5)))
                    """,
                    [.integer(seq), .text(entry.key), .text(entry.trait), StoreValue(entry.old), StoreValue(entry.new)])
            }
        }
        var byKey: [String: [ChangeLogEntry]] = [:]
        for entry in current { byKey[entry.key, default: []].append(entry) }
        for (key, changes) in byKey.sorted(by: { $0.key < $1.key }) {
            try enqueue(
                changes, key: key, runSeq: seq, record: record, destinations: request.destinations,
                at: record.finishedAt ?? record.startedAt)
        }
        try restoreSnapshot(model: run.model, entries: entries)
        let finishedAt = request.finish()
        record.finishedAt = finishedAt
        try database.run(
            "UPDATE \(table(.runs)) SET finished_at = \(d.instantParam(2)) WHERE seq = \(d.param(1))",
            [.integer(seq), .real(finishedAt.timeIntervalSince1970)])
        try database.run(
            """
            UPDATE \(table(.models)) SET last_run_id = \(d.param(2)), snapshot_run = \(d.param(2)), source_state = NULL,
                scratch_state = NULL,
                snapshot_rows = (SELECT count(*) FROM \(table(.snapshots)) WHERE model = \(d.param(1)))
            WHERE model = \(d.param(1))
            """, [.text(run.model), .text(record.id)])
        return RevertOutcome(model: run.model, entries: current, conflicts: conflicts, record: record)
    }

    /// Puts the reverted values back into the model's snapshot rows with hash 0, which no row
    /// hashes to, so the next sync compares those rows trait by trait and writes what the warehouse
    /// says now. A trait that had no value is kept as the empty text, which equals no canonical
    /// value (`EncodedTraits.absent`): the next sync writes it, whatever the warehouse says, NULL too.
    private func restoreSnapshot(model: String, entries: [ChangeLogEntry]) throws {
        let names = try snapshotInfo(model: model)?.traitNames ?? []
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var byKey: [String: [ChangeLogEntry]] = [:]
        for entry in entries { byKey[entry.key, default: []].append(entry) }
        for (key, changes) in byKey.sorted(by: { $0.key < $1.key }) {
            let stored = try database.first(
                "SELECT traits FROM \(table(.snapshots)) WHERE model = \(d.param(1)) AND key = \(d.param(2))",
                [.text(model), .text(key)]
            ) { $0.blob(0) }
            var values = stored.map { EncodedTraits(bytes: $0).values(count: names.count) } ?? []
            if values.count != names.count { values = Array(repeating: EncodedTraits.absent, count: names.count) }
            for change in changes {
                if let i = index[change.trait] { values[i] = change.old ?? EncodedTraits.absent }
            }
            try database.run(
                """
                INSERT INTO \(table(.snapshots)) (model, key, hash, traits)
                VALUES (\(d.param(1)), \(d.param(2)), 0, \(d.blobParam(3)))
                ON CONFLICT (model, key) DO UPDATE SET hash = excluded.hash, traits = excluded.traits
                """, [.text(model), .text(key), .blob(EncodedTraits(values: values).bytes)])
        }
    }
}

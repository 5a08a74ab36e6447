import Drivers
import Foundation
import SyncCore

/// The production store: tables in schema `warehouse_sync` of a PostgreSQL database. Each run
/// commits in one transaction.
public final class PostgresStore: Store {
    let connection: PGConnection

    /// Connects; a store behind this binary's schema is migrated (under a lock), a current one is
    /// only read, so readers take no lock.
    public init(conninfo: String) throws {
        connection = try PGConnection(conninfo: conninfo, applicationName: "warehouse-sync store")
        try connection.execute("SET TimeZone = 'UTC'")
        if try !isCurrent() { try migrate() }
    }

    /// Whether the store's schema is this binary's: its migrations and its runs table's fields.
    private func isCurrent() throws -> Bool {
        guard try currentVersion() == PostgresMigrations.steps.count else { return false }
        return try connection.execute("SELECT value FROM warehouse_sync.meta WHERE key = 'run_fields'", []).text(0, 0)
            == RunRecord.fieldsFingerprint
    }

    /// Adds a column to `warehouse_sync.runs` for each run field it lacks (`RunRecord.fields` grew).
    private func addMissingRunColumns() throws {
        for field in RunRecord.fields {
            let type =
                switch field.kind {
                case .text: "text"
                case .integer: "bigint NOT NULL DEFAULT 0"
                case .instant: "timestamptz"
                case .measures: "jsonb"
                }
            try connection.execute("ALTER TABLE warehouse_sync.runs ADD COLUMN IF NOT EXISTS \(field.name) \(type)")
        }
        try connection.execute(
            "INSERT INTO warehouse_sync.meta VALUES ('run_fields', $1) "
                + "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [RunRecord.fieldsFingerprint])
    }

    /// The schema version the store records, 0 before the first migration.
    private func currentVersion() throws -> Int {
        let exists =
            try connection.execute("SELECT to_regclass('warehouse_sync.meta') IS NOT NULL", []).text(0, 0) == "t"
        guard exists else { return 0 }
        return Int(
            try connection.execute("SELECT value FROM warehouse_sync.meta WHERE key = 'schema_version'", []).text(0, 0)
                ?? "0") ?? 0
    }

    private func migrate() throws {
        try connection.execute("BEGIN")
        do {
            // One migrator at a time across processes.
            try connection.execute("SELECT pg_advisory_xact_lock(7216463281)")
            try connection.execute(
                "CREATE SCHEMA IF NOT EXISTS warehouse_sync; CREATE TABLE IF NOT EXISTS warehouse_sync.meta (key text "
                    + "PRIMARY KEY, value text NOT NULL)"
            )
            let version =
                Int(
                    try connection.execute("SELECT value FROM warehouse_sync.meta WHERE key = 'schema_version'").text(
                        0, 0) ?? "0") ?? 0
            guard version <= PostgresMigrations.steps.count else {
                throw StoreError(
                    "the store has schema version \(version), newer than this warehouse-sync knows "
                        + "(\(PostgresMigrations.steps.count)); upgrade warehouse-sync", code: .schema)
            }
            for step in PostgresMigrations.steps.dropFirst(version) { try connection.execute(step) }
            try addMissingRunColumns()
            try connection.execute(
                "INSERT INTO warehouse_sync.meta VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = "
                    + "EXCLUDED.value",
                [String(PostgresMigrations.steps.count)])
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    public func snapshotInfo(model: String) throws -> SnapshotInfo? {
        let result = try connection.execute(
            "SELECT trait_names::text, snapshot_rows FROM warehouse_sync.models WHERE model = $1", [model])
        guard result.rowCount == 1, let names = result.text(0, 0) else { return nil }
        return SnapshotInfo(traitNames: decodeNames(names), rows: Int(result.text(0, 1) ?? "0") ?? 0)
    }

    public func traitNamesByModel() throws -> [String: [String]] {
        let result = try connection.execute("SELECT model, trait_names::text FROM warehouse_sync.models", [])
        var names: [String: [String]] = [:]
        for row in 0..<result.rowCount {
            if let model = result.text(row, 0), let list = result.text(row, 1) { names[model] = decodeNames(list) }
        }
        return names
    }

    public func snapshotCursor(model: String) throws -> any SnapshotCursor {
        // The primary key's index gives this order as the rows stream; without enable_sort = off,
        // stale statistics after a large first sync can make the planner sort them all first.
        try connection.execute("BEGIN READ ONLY; SET LOCAL enable_sort = off")
        do {
            let reader = try PGCopyReader(
                binaryCopyOf: """
                    SELECT key, hash, traits FROM warehouse_sync.snapshots WHERE model = \(connection.literal(model))
                        ORDER BY key
                    """, connection: connection)
            return PostgresSnapshotCursor(reader: reader, connection: connection)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// The advisory lock key of trait ownership (any constant; "wsto" in ASCII).
    static let traitOwnershipLock = 0x7773_746F

    public func commit(_ run: RunCommit) throws -> RunRecord {
        try connection.execute("BEGIN")
        do {
            // FOR UPDATE: no one takes the lease while this run commits.
            let current = try connection.execute(
                "SELECT holder FROM warehouse_sync.leases WHERE model = $1 FOR UPDATE", [run.record.model]
            ).text(0, 0)
            if let holder = run.leaseHolder, let current, current != holder {
                throw StoreError.leaseLost(model: run.record.model, holder: current)
            }
            // One commit at a time checks and takes trait ownership: two models that commit at
            // once cannot both take one trait.
            try connection.execute("SELECT pg_advisory_xact_lock(\(Self.traitOwnershipLock))")
            try run.checkOwnership?(try traitNamesByModel())
            // The run's row comes first: profiles refer to it by its sequence number.
            let seq = Int64(try insertRun(run.record)) ?? 0
            var writer = try PostgresChangeWriter(
                connection: connection, record: run.record, traitNames: run.traitNames,
                provenance: provenanceJSON(runSeq: seq))
            try run.changes.forEach { try writer.apply($0) }
            try writer.flush()
            var record = run.record
            record.finishedAt = run.finish()
            try connection.execute(
                """
                INSERT INTO warehouse_sync.models (model, trait_names, snapshot_rows, last_run_id, last_success_at)
                VALUES ($1, $2::jsonb, $3, $4, $5::timestamptz)
                ON CONFLICT (model) DO UPDATE SET trait_names = EXCLUDED.trait_names, snapshot_rows =
                    EXCLUDED.snapshot_rows,
                    last_run_id = EXCLUDED.last_run_id, last_success_at = EXCLUDED.last_success_at
                """,
                [
                    record.model, encodeNames(run.traitNames), String(run.snapshotRows), record.id,
                    formatInstant(record.finishedAt ?? record.startedAt),
                ])
            try connection.execute(
                "UPDATE warehouse_sync.runs SET finished_at = to_timestamp($2::float8) WHERE seq = $1",
                [String(seq), String(record.finishedAt!.timeIntervalSince1970)])
            try connection.execute("COMMIT")
            return record
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    public func record(_ run: RunRecord) throws {
        try connection.execute("BEGIN")
        do {
            try insertRun(run)
            try connection.execute(
                """
                INSERT INTO warehouse_sync.models (model, trait_names, last_run_id) VALUES ($1, '[]', $2)
                ON CONFLICT (model) DO UPDATE SET last_run_id = EXCLUDED.last_run_id
                """, [run.model, run.id])
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Inserts the run and returns its sequence number.
    @discardableResult
    private func insertRun(_ r: RunRecord) throws -> String {
        let fields = RunRecord.fields
        let placeholders = fields.enumerated().map { index, field -> String in
            switch field.kind {
            case .instant: return "to_timestamp($\(index + 1)::float8)"
            case .measures: return "$\(index + 1)::jsonb"
            case .text, .integer: return "$\(index + 1)"
            }
        }
        let values: [String?] = fields.map { field in
            switch field.get(r) {
            case .null: return nil
            case .text(let text): return text
            case .integer(let n): return String(n)
            case .instant(let date): return String(date.timeIntervalSince1970)
            case .measures(let measures): return RunRecord.measuresJSON(measures)
            }
        }
        return try connection.execute(
            "INSERT INTO warehouse_sync.runs (\(fields.map(\.name).joined(separator: ", "))) VALUES ("
                + placeholders.joined(separator: ", ") + ") RETURNING seq", values
        ).text(0, 0) ?? ""
    }

    public func runs(model: String?, limit: Int) throws -> [RunRecord] {
        let fields = RunRecord.fields
        let columns = fields.map { field -> String in
            switch field.kind {
            case .instant: return "extract(epoch FROM \(field.name))"
            case .measures: return "\(field.name)::text"
            case .text, .integer: return field.name
            }
        }
        let result = try connection.execute(
            "SELECT \(columns.joined(separator: ", ")) FROM warehouse_sync.runs "
                + "WHERE $1::text IS NULL OR model = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
            [model, String(limit)])
        return (0..<result.rowCount).map { row in
            var column = 0
            return RunRecord.read { field in
                defer { column += 1 }
                guard let text = result.text(row, column) else { return .null }
                switch field.kind {
                case .text: return .text(text)
                case .integer: return .integer(Int64(text) ?? 0)
                case .instant: return Double(text).map { .instant(Date(timeIntervalSince1970: $0)) } ?? .null
                case .measures: return RunRecord.measures(json: text).map { .measures($0) } ?? .null
                }
            }
        }
    }

    public func profile(key: String) throws -> ProfileRecord? {
        let result = try connection.execute(
            """
            SELECT key, traits::text, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM warehouse_sync.profiles WHERE key = $1
            """, [key])
        guard result.rowCount == 1 else { return nil }
        var profile = ProfileRecord(
            key: result.text(0, 0) ?? "", traitsJSON: result.text(0, 1) ?? "{}", sources: [:],
            updatedAt: result.text(0, 2) ?? "")
        let sources = try connection.execute(
            """
            SELECT e.key, r.id, r.model, extract(epoch FROM r.finished_at) FROM warehouse_sync.profiles p
            CROSS JOIN jsonb_each_text(p.provenance) e JOIN warehouse_sync.runs r ON r.seq = e.value::bigint WHERE
                p.key = $1
            """, [key])
        for row in 0..<sources.rowCount {
            profile.sources[sources.text(row, 0) ?? ""] = .init(
                model: sources.text(row, 2) ?? "", run: sources.text(row, 1) ?? "",
                at: formatInstant(Date(timeIntervalSince1970: Double(sources.text(row, 3) ?? "0") ?? 0)))
        }
        return profile
    }

    public func modelStates() throws -> [ModelState] {
        let result = try connection.execute(
            """
            SELECT m.model, m.snapshot_rows, m.last_run_id, extract(epoch FROM m.last_success_at), extract(epoch FROM
                m.last_fire_at),
                   l.holder, extract(epoch FROM l.expires_at)
            FROM warehouse_sync.models m LEFT JOIN warehouse_sync.leases l ON l.model = m.model ORDER BY m.model
            """)
        return (0..<result.rowCount).map { row in
            func date(_ c: Int) -> Date? {
                result.text(row, c).flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
            }
            return ModelState(
                model: result.text(row, 0) ?? "", snapshotRows: Int(result.text(row, 1) ?? "0") ?? 0,
                lastRunID: result.text(row, 2), lastSuccessAt: date(3), lastFireAt: date(4),
                leaseHolder: result.text(row, 5), leaseExpiresAt: date(6))
        }
    }

    public func acquireLease(model: String, holder: String, ttl: Duration, now: Date) throws -> Bool {
        let result = try connection.execute(
            """
            INSERT INTO warehouse_sync.leases AS l (model, holder, expires_at) VALUES ($1, $2, to_timestamp($3::float8))
            ON CONFLICT (model) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
            WHERE l.expires_at < to_timestamp($4::float8) OR l.holder = EXCLUDED.holder
            """,
            [
                model, holder, String(now.timeIntervalSince1970 + Double(ttl.components.seconds)),
                String(now.timeIntervalSince1970),
            ])
        return result.affectedRows == 1
    }

    public func renewLease(model: String, holder: String, ttl: Duration, now: Date) throws {
        try connection.execute(
            "UPDATE warehouse_sync.leases SET expires_at = to_timestamp($3::float8) WHERE model = $1 AND holder = $2",
            [model, holder, String(now.timeIntervalSince1970 + Double(ttl.components.seconds))])
    }

    public func releaseLease(model: String, holder: String) throws {
        try connection.execute("DELETE FROM warehouse_sync.leases WHERE model = $1 AND holder = $2", [model, holder])
    }

    public func leaseHolder(model: String) throws -> String? {
        try connection.execute("SELECT holder FROM warehouse_sync.leases WHERE model = $1", [model]).text(0, 0)
    }

    public func recordFire(model: String, at fireAt: Date) throws {
        try connection.execute(
            """
            INSERT INTO warehouse_sync.models (model, trait_names, last_fire_at) VALUES ($1, '[]',
                to_timestamp($2::float8))
            ON CONFLICT (model) DO UPDATE SET last_fire_at = EXCLUDED.last_fire_at
            """, [model, String(fireAt.timeIntervalSince1970)])
    }

    public func heartbeat(holder: String, at date: Date) throws {
        try connection.execute(
            """
            INSERT INTO warehouse_sync.heartbeats VALUES ($1, to_timestamp($2::float8))
            ON CONFLICT (holder) DO UPDATE SET beat_at = EXCLUDED.beat_at
            """, [holder, String(date.timeIntervalSince1970)])
    }

    public func lastHeartbeat() throws -> Date? {
        try connection.execute("SELECT extract(epoch FROM max(beat_at)) FROM warehouse_sync.heartbeats")
            .text(0, 0).flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    }
}

@available(*, unavailable)
extension PostgresStore: Sendable {}

/// Reads `warehouse_sync.snapshots` through binary COPY, in key order (COLLATE "C": byte order):
/// the key and the canonical traits arrive as their bytes, the hash as 8 big-endian bytes.
final class PostgresSnapshotCursor: SnapshotCursor {
    private let reader: PGCopyReader
    private let connection: PGConnection
    private var parser = PGBinaryCopyParser()
    private let keyBytes = ByteScratch()
    private let traitsBytes = ByteScratch()
    private var open = true
    private(set) var hash: UInt64 = 0

    init(reader: PGCopyReader, connection: PGConnection) {
        self.reader = reader
        self.connection = connection
    }

    var key: String { String(decoding: keyBytes.bytes, as: UTF8.self) }

    func next() throws -> Bool {
        var gotRow = false
        while !gotRow {
            let more = try reader.nextMessage { message in
                gotRow = try parser.parse(message) { index, field in
                    guard let field else { throw StoreError("the snapshot has a NULL in column \(index)") }
                    switch index {
                    case 0:
                        keyBytes.removeAll()
                        keyBytes.append(UnsafeRawBufferPointer(field))
                    case 1:
                        hash = field.reduce(0) { $0 << 8 | UInt64($1) }
                    default:
                        traitsBytes.removeAll()
                        traitsBytes.append(UnsafeRawBufferPointer(field))
                    }
                }
            }
            if !more { return false }
        }
        return true
    }

    func compareKey(to other: UnsafeRawBufferPointer) -> Int {
        compareBytes(keyBytes.bytes, other)
    }

    func traits() -> EncodedTraits { EncodedTraits(bytes: Array(traitsBytes.bytes)) }

    /// Ends the read and its transaction; a second call does nothing.
    func close() {
        guard open else { return }
        open = false
        reader.abandon()
        _ = try? connection.execute("COMMIT")
    }
}

import Connectors
import Foundation

/// Applies a run's changes to `warehouse_sync.profiles` and `.snapshots` inside the store's
/// transaction, in batches: each batch is one upsert of profiles, one of snapshots, and one
/// update per set of traits to unset, with the rows passed as array parameters.
struct PostgresChangeWriter {
    static let batchSize = 5000

    private let connection: PGConnection
    private let record: RunRecord
    private let traitNames: [String]
    private let provenance: String
    private let updatedAt: String
    private var setKeys: [String?] = []
    private var setObjects: [String?] = []
    private var setProvenance: [String?] = []
    private var unsets: [[String]: [String?]] = [:]
    private var snapshotKeys: [String?] = []
    private var snapshotHashes: [String?] = []
    private var snapshotTraits: [String?] = []
    private var deletedKeys: [String?] = []
    private var pending = 0

    init(connection: PGConnection, record: RunRecord, traitNames: [String]) {
        self.connection = connection
        self.record = record
        self.traitNames = traitNames
        let at = record.finishedAt ?? record.startedAt
        provenance = provenanceJSON(model: record.model, runID: record.id, at: at)
        updatedAt = formatInstant(at)
    }

    mutating func apply(_ change: Change) throws {
        if !change.setTraits.isEmpty {
            setKeys.append(change.key)
            setObjects.append(TraitObjects.traits(change, names: traitNames))
            setProvenance.append(TraitObjects.provenance(change.setTraits, names: traitNames, provenance: provenance))
        }
        if !change.unsetTraits.isEmpty { unsets[change.unsetTraits, default: []].append(change.key) }
        if change.kind == .removed {
            deletedKeys.append(change.key)
        } else {
            snapshotKeys.append(change.key)
            snapshotHashes.append(String(Int64(bitPattern: change.hash)))
            snapshotTraits.append(PostgresArrayLiteral.hex(change.traits.bytes))
        }
        pending += 1
        if pending >= Self.batchSize { try flush() }
    }

    mutating func flush() throws {
        if !setKeys.isEmpty {
            try connection.execute("""
                INSERT INTO warehouse_sync.profiles AS p (key, traits, provenance, updated_at)
                SELECT u.k, u.t, u.p, $4::timestamptz FROM unnest($1::text[], $2::jsonb[], $3::jsonb[]) AS u(k, t, p)
                ON CONFLICT (key) DO UPDATE SET traits = p.traits || EXCLUDED.traits,
                    provenance = p.provenance || EXCLUDED.provenance, updated_at = EXCLUDED.updated_at
                """, [PostgresArrayLiteral.make(setKeys), PostgresArrayLiteral.make(setObjects), PostgresArrayLiteral.make(setProvenance), updatedAt])
        }
        for (names, keys) in unsets.sorted(by: { $0.key.joined() < $1.key.joined() }) {
            try connection.execute("""
                UPDATE warehouse_sync.profiles SET traits = traits - $2::text[], provenance = provenance - $2::text[],
                    updated_at = $3::timestamptz WHERE key = ANY ($1::text[])
                """, [PostgresArrayLiteral.make(keys), PostgresArrayLiteral.make(names), updatedAt])
        }
        if !snapshotKeys.isEmpty {
            try connection.execute("""
                INSERT INTO warehouse_sync.snapshots (model, key, hash, traits)
                SELECT $1, u.k, u.h, u.t FROM unnest($2::text[], $3::bigint[], $4::bytea[]) AS u(k, h, t)
                ON CONFLICT (model, key) DO UPDATE SET hash = EXCLUDED.hash, traits = EXCLUDED.traits
                """, [record.model, PostgresArrayLiteral.make(snapshotKeys), PostgresArrayLiteral.make(snapshotHashes),
                      PostgresArrayLiteral.make(snapshotTraits)])
        }
        if !deletedKeys.isEmpty {
            try connection.execute("DELETE FROM warehouse_sync.snapshots WHERE model = $1 AND key = ANY ($2::text[])",
                                   [record.model, PostgresArrayLiteral.make(deletedKeys)])
        }
        setKeys.removeAll(keepingCapacity: true)
        setObjects.removeAll(keepingCapacity: true)
        setProvenance.removeAll(keepingCapacity: true)
        unsets.removeAll(keepingCapacity: true)
        snapshotKeys.removeAll(keepingCapacity: true)
        snapshotHashes.removeAll(keepingCapacity: true)
        snapshotTraits.removeAll(keepingCapacity: true)
        deletedKeys.removeAll(keepingCapacity: true)
        pending = 0
    }
}

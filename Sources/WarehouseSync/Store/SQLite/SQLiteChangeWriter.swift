import Connectors
import Foundation

/// Applies a run's changes to `profiles` and `ws_snapshots` inside the store's transaction,
/// with one prepared statement per shape of change, reused for every row.
struct SQLiteChangeWriter {
    private let db: SQLiteDatabase
    private let record: RunRecord
    private let traitNames: [String]
    private let provenance: String
    private let updatedAt: String
    private var setStatements: [[Int]: SQLiteStatement] = [:]
    private var unsetStatements: [[String]: SQLiteStatement] = [:]
    private let upsertSnapshot: SQLiteStatement
    private let deleteSnapshot: SQLiteStatement
    private(set) var traitsWritten = 0

    init(db: SQLiteDatabase, record: RunRecord, traitNames: [String]) throws {
        self.db = db
        self.record = record
        self.traitNames = traitNames
        let at = record.finishedAt ?? record.startedAt
        provenance = provenanceJSON(model: record.model, runID: record.id, at: at)
        updatedAt = formatInstant(at)
        upsertSnapshot = try db.prepare("""
            INSERT INTO ws_snapshots (model, key, hash, traits) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (model, key) DO UPDATE SET hash = excluded.hash, traits = excluded.traits
            """)
        deleteSnapshot = try db.prepare("DELETE FROM ws_snapshots WHERE model = ?1 AND key = ?2")
    }

    mutating func apply(_ change: Change) throws {
        if !change.setTraits.isEmpty {
            let values = change.traits.traits(count: traitNames.count)
            let statement = try setStatement(change.setTraits)
            statement.reset()
            statement.bind(1, change.key)
            statement.bind(2, provenance)
            statement.bind(3, updatedAt)
            for (i, index) in change.setTraits.enumerated() { statement.bind(Int32(4 + i), values[index]) }
            try statement.step()
        }
        if !change.unsetTraits.isEmpty {
            let statement = try unsetStatement(change.unsetTraits)
            statement.reset()
            statement.bind(1, change.key)
            statement.bind(2, updatedAt)
            try statement.step()
        }
        let snapshot = change.kind == .removed ? deleteSnapshot : upsertSnapshot
        snapshot.reset()
        snapshot.bind(1, record.model)
        snapshot.bind(2, change.key)
        if change.kind != .removed {
            snapshot.bind(3, Int64(bitPattern: change.hash))
            snapshot.bind(4, blob: change.traits.bytes)
        }
        try snapshot.step()
    }

    /// `INSERT ... ON CONFLICT DO UPDATE` setting exactly these traits and their provenance.
    private mutating func setStatement(_ indexes: [Int]) throws -> SQLiteStatement {
        if let cached = setStatements[indexes] { return cached }
        let names = indexes.map { traitNames[$0] }
        let objectPairs = names.enumerated().map { "'\($1)', json(?\($0 + 4))" }.joined(separator: ", ")
        let provenancePairs = names.map { "'\($0)', json(?2)" }.joined(separator: ", ")
        let setPairs = names.enumerated().map { "'$.\"\($1)\"', json(?\($0 + 4))" }.joined(separator: ", ")
        let provenanceSetPairs = names.map { "'$.\"\($0)\"', json(?2)" }.joined(separator: ", ")
        let statement = try db.prepare("""
            INSERT INTO profiles (key, traits, provenance, updated_at)
            VALUES (?1, json_object(\(objectPairs)), json_object(\(provenancePairs)), ?3)
            ON CONFLICT (key) DO UPDATE SET traits = json_set(traits, \(setPairs)),
                provenance = json_set(provenance, \(provenanceSetPairs)), updated_at = ?3
            """)
        setStatements[indexes] = statement
        return statement
    }

    private mutating func unsetStatement(_ names: [String]) throws -> SQLiteStatement {
        if let cached = unsetStatements[names] { return cached }
        let paths = names.map { "'$.\"\($0)\"'" }.joined(separator: ", ")
        let statement = try db.prepare("""
            UPDATE profiles SET traits = json_remove(traits, \(paths)), provenance = json_remove(provenance, \(paths)),
                updated_at = ?2 WHERE key = ?1
            """)
        unsetStatements[names] = statement
        return statement
    }
}

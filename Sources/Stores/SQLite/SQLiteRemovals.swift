import Drivers
import SyncCore

/// The profiles a run removes (keys that left the model), applied set-based: their keys are
/// gathered into a JSON array, and each batch is one `UPDATE` of `profiles` (unsetting the
/// model's traits and their provenance) and one `DELETE` of `ws_snapshots`, not a statement per
/// key. Keys arrive in byte order, so each statement walks its B-tree in order. Used by one thread.
final class SQLiteRemovals {
    /// Keys a statement: bounds the array's text (about 20 bytes a key) and the statements' memory.
    static let batchSize = 4_096

    private let db: SQLiteDatabase
    private let model: String
    private let updatedAt: String
    /// The batch's keys as a JSON array's text, without its closing bracket.
    private var keys: [UInt8] = []
    private var count = 0
    /// The traits the batch's profiles lose (the same for every removed key of a run).
    private var names: [String] = []
    private var unsetStatements: [[String]: SQLiteStatement] = [:]
    private let deleteSnapshots: SQLiteStatement

    /// - Throws: `ConnectorError` when a statement does not prepare.
    init(db: SQLiteDatabase, model: String, updatedAt: String) throws {
        self.db = db
        self.model = model
        self.updatedAt = updatedAt
        deleteSnapshots = try db.prepare(
            "DELETE FROM ws_snapshots WHERE model = ?2 AND key IN (SELECT value FROM json_each(?1))")
    }

    /// Adds a removed profile's key; `names`: the traits it loses (none with `on_remove: keep`).
    /// - Throws: `ConnectorError` from SQLite when a full batch's statements fail.
    func append(key: String, unsetting names: [String]) throws {
        if count > 0 && names != self.names { try flush() }
        self.names = names
        keys.append(count == 0 ? UInt8(ascii: "[") : UInt8(ascii: ","))
        appendJSONString(key, to: &keys)
        count += 1
        if count == Self.batchSize { try flush() }
    }

    /// Applies the keys added since the last flush.
    /// - Throws: `ConnectorError` from SQLite when a statement fails.
    func flush() throws {
        guard count > 0 else { return }
        keys.append(UInt8(ascii: "]"))
        defer {
            keys.removeAll(keepingCapacity: true)
            count = 0
        }
        if !names.isEmpty {
            let unset = try unsetStatement(names)
            unset.reset()
            unset.bind(1, text: keys)
            unset.bind(2, updatedAt)
            try unset.step()
        }
        deleteSnapshots.reset()
        deleteSnapshots.bind(1, text: keys)
        deleteSnapshots.bind(2, model)
        try deleteSnapshots.step()
    }

    private func unsetStatement(_ names: [String]) throws -> SQLiteStatement {
        if let cached = unsetStatements[names] { return cached }
        let paths = names.map { "'$.\"\($0)\"'" }.joined(separator: ", ")
        let statement = try db.prepare(
            """
            UPDATE profiles SET traits = json_remove(traits, \(paths)), provenance = json_remove(provenance, \(paths)),
                updated_at = ?2 WHERE key IN (SELECT value FROM json_each(?1))
            """)
        unsetStatements[names] = statement
        return statement
    }
}

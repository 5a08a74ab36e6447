/// How a `-- diff: warehouse` model's tables in the scratch schema are named (docs/warehouse-diff.md), and
/// which of them the store says is current.
///
/// A model's tables are `ws_<hash>_<name>_<run>`: the 64-bit FNV-1a hash of the store's id and the
/// model's name (12 hex digits) keeps one store's tables apart from another's in a shared scratch
/// schema and makes the prefix of one model never the prefix of another's; the name (its first 20
/// characters) makes the table readable to a DBA, and the run's id makes each run's table new. All
/// lowercase, at most 63 bytes (PostgreSQL's limit), used unquoted.
public enum ScratchTables {
    /// The prefix every table of `model` in the store `storeID` starts with.
    public static func prefix(model: String, store storeID: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in (storeID + "/" + model).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(String(hash, radix: 16).suffix(12))
        let name = String(
            model.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }.prefix(20))
        return "ws_" + String(repeating: "0", count: 12 - hex.count) + hex + "_" + name + "_"
    }

    /// The table a run writes: its prefix and the run's id in lowercase letters, digits and '_'.
    public static func table(model: String, store storeID: String, runID: String) -> String {
        let run = runID.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }
        return String((prefix(model: model, store: storeID) + String(run)).prefix(63))
    }

    /// The table holding a run's result where no session outlives a statement (Snowflake's SQL API):
    /// the run's table with `_r` at its end, under the same prefix, so a run that dies leaves nothing
    /// the next run's clean-up does not drop.
    public static func resultTable(model: String, store storeID: String, runID: String) -> String {
        String(table(model: model, store: storeID, runID: runID).prefix(61)) + "_r"
    }

    /// Whether `name` can be a scratch schema: a plain identifier (letters, digits, '_', not starting
    /// with a digit), at most 63 bytes, so it is safe unquoted in every dialect.
    public static func isSchemaName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 63 else { return false }
        let isWord = { (s: Unicode.Scalar) in
            s.isASCII && (s.properties.isAlphabetic || s == "_" || ("0"..."9").contains(s))
        }
        return isWord(first) && !("0"..."9").contains(first) && name.unicodeScalars.allSatisfy(isWord)
    }
}

/// What the store's commit of a `-- diff: warehouse` run records (docs/warehouse-diff.md): which scratch table
/// holds the keys and hashes of the result now in the snapshot, and the shape those hashes cover.
/// Nil after a client-side run or a revert: the next warehouse-side run then compares against the
/// store's snapshot instead.
public struct ScratchState: StoredJSON, Sendable, Equatable {
    /// The table's name in the source's scratch schema.
    public var table: String
    /// The digest of what the hashes cover (`WarehouseDiffSQL.shape`): a run whose traits or their
    /// types differ does not trust the table.
    public var shape: String

    public init(table: String, shape: String) {
        self.table = table
        self.shape = shape
    }
}

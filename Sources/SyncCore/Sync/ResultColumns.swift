import Foundation

/// Checks on a result's column names that must hold before any row is used.
package enum ResultColumns {
    /// Throws when two columns share a name (also when the names differ only in Unicode
    /// normalisation: they would be one JSON key) or a column takes WarehouseSync's own name.
    /// - Throws: `SyncError` (`.duplicateColumn`) naming the column and the model's file.
    static func check(_ names: [String], model: Model) throws {
        if let problem = problem(names) {
            throw SyncError(
                .duplicateColumn, model: model.name, "\(problem) (\(model.file):\(model.headerEndLine + 1))",
                hint: "give each column of the query its own name with AS, e.g. a.score AS app_score")
        }
    }

    /// Checks a model's own result columns (compiled as written) against its header: no
    /// duplicate names, the key there, every listed trait there.
    /// - Throws: `SyncError` naming the model's file and line and the result's columns.
    package static func checkModelColumns(_ columns: [Column], model: Model) throws {
        let names = columns.map(\.name)
        try check(names, model: model)
        if !names.contains(model.key) {
            throw SyncError(
                .missingColumn, model: model.name,
                "the result has no key column \(model.key) (\(model.file):\(model.headerLines["key"] ?? 1))",
                hint:
                    "the result's columns are \(names.joined(separator: ", ")); name the key column in -- key: exactly "
                    + "as the result spells it"
            )
        }
        for trait in model.traits ?? [] where !names.contains(trait) {
            throw SyncError(
                .missingColumn, model: model.name,
                "trait \(trait) is not a column of the result (\(model.file):\(model.headerLines["traits"] ?? 1))",
                hint: "the result's columns are \(names.joined(separator: ", "))")
        }
    }

    /// The prefix of the names of WarehouseSync's own columns (`SQLText.keyTextColumn`, `WarehouseDiffSQL.hashColumn`).
    static let reservedPrefix = "__warehouse_sync_"

    /// What is wrong with `names`, or nil.
    package static func problem(_ names: [String]) -> String? {
        // The key's text, and a warehouse-side diff's hash and removed mark (docs/warehouse-diff.md), are columns of
        // ours.
        if let reserved = names.first(where: { $0.lowercased().hasPrefix(Self.reservedPrefix) }) {
            return "the result has a column named \(reserved), a name WarehouseSync reserves (names starting with "
                + "\(Self.reservedPrefix))"
        }
        var seen: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            let normalized = name.precomposedStringWithCanonicalMapping
            if let first = seen[normalized] {
                let spelled =
                    names[first] == name ? "" : " (spelled \(names[first]) and \(name), the same name once normalised)"
                return "the result has two columns named \(name)\(spelled): columns \(first + 1) and \(index + 1)"
            }
            seen[normalized] = index
        }
        return nil
    }
}

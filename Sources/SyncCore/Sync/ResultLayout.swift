/// Where a model's key and traits stand in its result's columns, and what each trait's type asks
/// of the diff: resolved once a run, when the columns arrive (`DiffReceiver.columns`).
struct ResultLayout {
    var keyIndex: Int
    /// Whether the key column is the warehouse's text cast of the key (`SQLDialect.keyText`), or is
    /// its own text cast (`Column.textCastIsIdentity`).
    var keyIsText: Bool
    var keyType: ValueType
    var traitNames: [String]
    /// Each trait's column (empty for a segment, whose one trait is membership).
    var traitIndexes: [Int]
    /// The key's column and the traits', with their declared types, for the `SchemaObserver`.
    var schemaColumns: [Int]
    var declaredTypes: [ValueType]
    /// Positions of the traits whose values are checked before they are stored (decoded rows, COPY rows).
    var decodedChecked: [Int]
    var rawChecked: [Int]
    /// The traits' columns when they are adjacent and in order (`SELECT key, *traits`).
    var adjacentTraits: ClosedRange<Int>?
    /// Each trait's type name, which seeds the row hashes.
    var traitTypeNames: [String]
    /// The column that marks a removed key in a warehouse-side diff's rows
    /// (`WarehouseDiffSQL.removedColumn`, the last one), or nil.
    var removedIndex: Int?

    /// - Parameter marksRemovals: the last column is a warehouse-side diff's removed mark.
    /// - Throws: `SyncError` when a column name is invalid, the key or a declared trait is not a
    ///   column, a traits model has no trait, or a column cannot be a trait name.
    init(columns: [Column], model: Model, marksRemovals: Bool = false) throws {
        var names = columns.map(\.name)
        // A warehouse-side diff's rows end with the removed mark, which is not a column of the result.
        removedIndex = marksRemovals && names.last == WarehouseDiffSQL.removedColumn ? names.count - 1 : nil
        if removedIndex != nil { names.removeLast() }
        // The key's text (SQLDialect.keyText) comes first when the query was wrapped by orderedByKey.
        let keyTextIndex = names.first == SQLText.keyTextColumn ? 0 : nil
        let resultNames = keyTextIndex == nil ? names : Array(names.dropFirst())
        try ResultColumns.check(resultNames, model: model)
        guard let key = keyTextIndex ?? names.firstIndex(of: model.key) else {
            throw SyncError(
                .missingColumn, model: model.name,
                "the result has no key column \(model.key) (\(model.file):\(model.headerLines["key"] ?? 1))",
                hint: "the result's columns are \(names.joined(separator: ", "))")
        }
        keyIndex = key
        keyIsText = keyTextIndex != nil || columns[key].textCastIsIdentity
        keyType = columns[key].type
        traitNames = model.traitNames(columns: resultNames)
        traitIndexes = []
        if model.kind == .traits {
            traitIndexes = try traitNames.map { trait in
                guard let index = names.firstIndex(of: trait) else {
                    throw SyncError(
                        .missingColumn, model: model.name,
                        "trait \(trait) is not a column of the result "
                            + "(\(model.file):\(model.headerLines["traits"] ?? 1))",
                        hint: "the result's columns are \(names.joined(separator: ", "))")
                }
                return index
            }
            guard !traitNames.isEmpty else {
                throw SyncError(
                    .missingColumn, model: model.name, "the result has no trait columns besides the key \(model.key)")
            }
        }
        if let bad = traitNames.first(where: { !isIdentifierLike($0) }) {
            throw SyncError(
                .badTraitName, model: model.name, "column \"\(bad)\" cannot be a trait name",
                hint:
                    "alias it in the query to letters, digits and '_' (AS "
                    + "\(bad.filter { $0.isLetter || $0.isNumber || $0 == "_" }))"
            )
        }
        let keyColumn = (keyTextIndex ?? -1) + 1 + (resultNames.firstIndex(of: model.key) ?? 0)
        schemaColumns = [keyColumn] + (model.kind == .segment ? [] : traitIndexes)
        declaredTypes = schemaColumns.map { columns[$0].type } + (model.kind == .segment ? [.bool] : [])
        // Only values that can hold text are checked before they are stored; a PostgreSQL COPY row
        // cannot hold a NUL in text, so on that path only JSON (and arrays of it) can be unstorable.
        let traitTypes = traitIndexes.map { columns[$0].type }
        decodedChecked = traitTypes.indices.filter {
            ![ValueType.bool, .int, .double, .bytes].contains(traitTypes[$0])
        }
        rawChecked = traitTypes.indices.filter { [ValueType.json, .array, .unknown].contains(traitTypes[$0]) }
        adjacentTraits = nil
        if let first = traitIndexes.first, traitIndexes == Array(first..<first + traitIndexes.count) {
            adjacentTraits = first...traitIndexes[traitIndexes.count - 1]
        }
        traitTypeNames = model.kind == .segment ? ["bool"] : traitTypes.map(\.rawValue)
    }
}

/// The shape of a result as its rows arrive (docs/drift-and-plans.md): the types the source declared for the
/// key's column and each trait's, and, for a column whose type it did not declare (a SQLite
/// expression, a PostgreSQL enum), the family of every value seen. Kinds of number merge
/// (`ValueType.merged`); any other mix makes the column `unknown`, which is never drift.
struct SchemaObserver {
    /// The key's type, then each trait's, as declared.
    private let declared: [ValueType]
    /// The undeclared ones: the result column, its place in `declared`, what was seen.
    private var untyped: [(column: Int, slot: Int, seen: ValueType?, mixed: Bool)]

    /// - Parameters:
    ///   - declared: the key's type, then each trait's.
    ///   - columns: the result column of each (as many as `declared`, or one fewer for a segment's
    ///     trait, which no column holds).
    init(declared: [ValueType], columns: [Int]) {
        self.declared = declared
        untyped = columns.enumerated().filter { declared[$0.offset] == .unknown }.map {
            (column: $0.element, slot: $0.offset, seen: nil, mixed: false)
        }
    }

    /// Whether rows must be shown to the observer: some column's type is undeclared.
    var watchesValues: Bool { !untyped.isEmpty }

    /// Notes the family of each undeclared column's value in one row.
    mutating func note(_ value: (Int) -> Value) {
        for i in untyped.indices where !untyped[i].mixed {
            guard let type = value(untyped[i].column).valueType else { continue }
            if let seen = untyped[i].seen {
                if let merged = seen.merged(with: type) { untyped[i].seen = merged } else { untyped[i].mixed = true }
            } else {
                untyped[i].seen = type
            }
        }
    }

    /// The schema so far, the undeclared columns marked `inferred`.
    func schema(key: String, traitNames: [String]) -> ResultSchema {
        var types = declared
        var inferred = Array(repeating: false, count: types.count)
        for column in untyped {
            types[column.slot] = column.mixed ? .unknown : column.seen ?? .unknown
            inferred[column.slot] = true
        }
        return ResultSchema(
            key: key, keyType: types.first ?? .unknown,
            traits: traitNames.indices.map {
                ResultSchema.Trait(name: traitNames[$0], type: types[$0 + 1], inferred: inferred[$0 + 1])
            })
    }
}

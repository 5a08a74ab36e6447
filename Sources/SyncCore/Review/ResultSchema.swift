import Foundation

/// The shape of a model's result as of a snapshot (docs/drift-and-plans.md): the key column's name and type
/// family, and each trait's type family, in the result's order. Kept with the snapshot so the
/// next run can say what moved.
public struct ResultSchema: Sendable, Equatable, StoredJSON {
    public struct Trait: Sendable, Equatable, Codable {
        public var name: String
        public var type: ValueType
        /// The source declared no type (a SQLite expression): `type` is the family of the values
        /// seen, which a change of data alone can move between kinds of number.
        public var inferred: Bool

        public init(name: String, type: ValueType, inferred: Bool = false) {
            self.name = name
            self.type = type
            self.inferred = inferred
        }

        enum CodingKeys: String, CodingKey { case name, type, inferred }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            type = try container.decode(ValueType.self, forKey: .type)
            inferred = try container.decodeIfPresent(Bool.self, forKey: .inferred) ?? false
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(type, forKey: .type)
            if inferred { try container.encode(true, forKey: .inferred) }
        }
    }

    public var key: String
    public var keyType: ValueType
    public var traits: [Trait]

    public init(key: String, keyType: ValueType, traits: [Trait]) {
        self.key = key
        self.keyType = keyType
        self.traits = traits
    }

    enum CodingKeys: String, CodingKey {
        case key, traits
        case keyType = "key_type"
    }
}

extension ValueType {
    /// The family two values of one undeclared column share: kinds of number merge (int and
    /// double are double; any with decimal is decimal); nil for any other mix.
    public func merged(with other: ValueType) -> ValueType? {
        if self == other { return self }
        let numbers: [ValueType] = [.int, .double, .decimal]
        guard numbers.contains(self), numbers.contains(other) else { return nil }
        return self == .decimal || other == .decimal ? .decimal : .double
    }

    var isNumber: Bool { self == .int || self == .double || self == .decimal }
}

extension ValueType: Codable {
    /// A type this binary does not know (written by a newer one) reads as `unknown`, which is never drift.
    public init(from decoder: any Decoder) throws {
        self = ValueType(rawValue: try decoder.singleValueContainer().decode(String.self)) ?? .unknown
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension ResultSchema {
    /// The schema a model's compiled columns give (no rows: a column of unknown type stays unknown).
    public init(model: Model, columns: [Column]) {
        let types = Dictionary(columns.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        let names = model.traitNames(columns: columns.map(\.name))
        self.init(
            key: model.key, keyType: types[model.key] ?? .unknown,
            traits: names.map { Trait(name: $0, type: model.kind == .segment ? .bool : types[$0] ?? .unknown) })
    }

    /// This schema with each `unknown` type replaced by what `previous` knew of the same column,
    /// so a run whose column held only NULLs does not forget the column's type.
    public func keepingKnownTypes(of previous: ResultSchema?) -> ResultSchema {
        guard let previous else { return self }
        var result = self
        if result.keyType == .unknown && previous.key == key { result.keyType = previous.keyType }
        let known = Dictionary(previous.traits.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        for i in result.traits.indices where result.traits[i].type == .unknown && !result.traits[i].inferred {
            result.traits[i].type = known[result.traits[i].name] ?? .unknown
        }
        return result
    }
}

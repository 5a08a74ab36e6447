import Foundation

/// The shape of a model's result as of a snapshot (SPEC 11): the key column's name and type
/// family, and each trait's type family, in the result's order. Kept with the snapshot so the
/// next run can say what moved.
public struct ResultSchema: Sendable, Equatable, Codable {
    public struct Trait: Sendable, Equatable, Codable {
        public var name: String
        public var type: ValueType

        public init(name: String, type: ValueType) {
            self.name = name
            self.type = type
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

    /// The JSON text the store keeps, e.g. `{"key":"user_id","key_type":"text","traits":[{"name":"ltv",
    /// "type":"decimal"}]}`.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Reads what `json` wrote; nil for text that is not a schema (a store from before schemas were kept).
    public init?(json: String) {
        guard let decoded = try? JSONDecoder().decode(Self.self, from: Data(json.utf8)) else { return nil }
        self = decoded
    }
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
        for i in result.traits.indices where result.traits[i].type == .unknown {
            result.traits[i].type = known[result.traits[i].name] ?? .unknown
        }
        return result
    }
}

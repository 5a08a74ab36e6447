/// One cell of a model's result, the same for every warehouse.
///
/// Exact numerics stay as their decimal text (never rounded through `Double`); dates and
/// times stay as ISO-8601 text so that a value read twice compares equal.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    /// An exact numeric in plain decimal notation, e.g. `-12.50`.
    case decimal(String)
    case text(String)
    /// A calendar date, `YYYY-MM-DD`.
    case date(String)
    /// A timestamp without time zone, `YYYY-MM-DDTHH:MM:SS[.ffffff]`.
    case timestamp(String)
    /// An instant, normalised to UTC: `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
    case timestampTZ(String)
    /// JSON text as the warehouse returned it.
    case json(String)
    case array([Value])
    case bytes([UInt8])

    public var isNull: Bool { if case .null = self { true } else { false } }
}

extension Value {
    /// The type family this value belongs to; nil for NULL, which says nothing of its column.
    public var valueType: ValueType? {
        switch self {
        case .null: nil
        case .bool: .bool
        case .int: .int
        case .double: .double
        case .decimal: .decimal
        case .text: .text
        case .date: .date
        case .timestamp: .timestamp
        case .timestampTZ: .timestampTZ
        case .json: .json
        case .array: .array
        case .bytes: .bytes
        }
    }
}

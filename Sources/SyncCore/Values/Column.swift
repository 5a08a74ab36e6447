/// The kind of values a result column holds, as far as the warehouse told us.
public enum ValueType: String, Sendable, Hashable {
    case bool, int, double, decimal, text, date, timestamp, timestampTZ, json, array, bytes, unknown
}

/// A result column: its name as the warehouse spells it, and its value type.
public struct Column: Sendable, Hashable {
    public var name: String
    public var type: ValueType

    public init(name: String, type: ValueType) {
        self.name = name
        self.type = type
    }
}

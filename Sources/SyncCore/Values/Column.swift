/// The kind of values a result column holds, as far as the warehouse told us.
public enum ValueType: String, Sendable, Hashable {
    case bool, int, double, decimal, text, date, timestamp, timestampTZ, json, array, bytes, unknown
}

/// A result column: its name as the warehouse spells it, and its value type.
public struct Column: Sendable, Hashable {
    public var name: String
    public var type: ValueType
    /// Whether the warehouse's text cast of a value of this column (`SQLDialect.keyText`) is the
    /// value exactly as the result carries it (PostgreSQL `text` and `varchar`, not `char(n)`,
    /// whose cast drops its padding): a key in it is read as is, with no cast column sent.
    public var textCastIsIdentity: Bool

    public init(name: String, type: ValueType, textCastIsIdentity: Bool = false) {
        self.name = name
        self.type = type
        self.textCastIsIdentity = textCastIsIdentity
    }
}

import SyncCore

/// How to read a PostgreSQL type's text output: the value type, and for arrays the element's.
package struct PGType {
    package var valueType: ValueType
    package var element: ArrayElement?

    package init(oid: UInt32) {
        if let scalar = Self.scalars[oid] {
            self.valueType = scalar
            self.element = nil
        } else if let element = Self.arrays[oid] {
            self.valueType = .array
            self.element = ArrayElement(element)
        } else {
            self.valueType = .unknown
            self.element = nil
        }
    }

    /// A type resolved elsewhere (through the catalog).
    package init(valueType: ValueType, element: ArrayElement?) {
        self.valueType = valueType
        self.element = element
    }

    private static let scalars: [UInt32: ValueType] = [
        16: .bool, 20: .int, 21: .int, 23: .int, 26: .int,
        700: .double, 701: .double, 1700: .decimal, 790: .decimal,
        25: .text, 1042: .text, 1043: .text, 19: .text, 18: .text, 2950: .text,
        1082: .date, 1114: .timestamp, 1184: .timestampTZ,
        114: .json, 3802: .json, 17: .bytes,
    ]
    private static let arrays: [UInt32: ValueType] = [
        1000: .bool, 1005: .int, 1007: .int, 1016: .int, 1028: .int,
        1021: .double, 1022: .double, 1231: .decimal,
        1009: .text, 1014: .text, 1015: .text, 1003: .text, 2951: .text,
        1182: .date, 1115: .timestamp, 1185: .timestampTZ,
        199: .json, 3807: .json, 1001: .bytes,
    ]
}

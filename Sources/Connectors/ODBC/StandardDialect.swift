import SyncCore

/// Standard SQL, for an ODBC data source of a kind WarehouseSync has no dialect for.
public struct StandardDialect: SQLDialect {
    public init() {}

    public var name: String { "odbc" }

    /// Standard SQL's: no escapes, no nesting, no `$$` strings.
    public var conventions: SQLConventions { [] }

    public func keyText(_ column: String) -> String { "CAST(\(column) AS VARCHAR(4000))" }

    /// Ordered by the first column in the source's own collation.
    public func byteOrder(_ text: String) -> String? { nil }
}

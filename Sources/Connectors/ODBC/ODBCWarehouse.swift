import SyncCore

extension WarehouseKind {
    /// Any ODBC data source; its dialect is detected from the DBMS name its driver reports.
    public static let odbc = WarehouseKind(
        name: "odbc", connectsWith: ("odbc", "odbc = \"Driver=...;...\" or \"DSN=name\""), capabilities: [.cancels],
        open: { try ODBCWarehouse($0) })
}

/// A generic ODBC source: its rows, its detected dialect's SQL, and nothing the runner would ask
/// of a kind it knows.
public final class ODBCWarehouse: Warehouse {
    public let source: ODBCSource
    public var kind: WarehouseKind { .odbc }
    public var connection: any SourceConnection { source }
    public var dialect: any SQLDialect { source.dialect }

    public var privileges: PrivilegeInspection {
        if let catalog = source.dialect as? any CatalogPrivileges { return .catalog(catalog) }
        return .unavailable(
            note: "no privilege check for this \(source.dialect.name) ODBC source here; use kind = \"postgres\" for "
                + "PostgreSQL")
    }

    /// - Throws: `ConnectorError` when it cannot connect.
    public init(_ settings: WarehouseSettings) throws {
        source = try ODBCSource(connectionString: settings.odbc?.reveal() ?? "")
    }
}

import SyncCore

extension WarehouseKind {
    /// A SQLite database file, opened read-only (the demo warehouse, and tests).
    public static let sqlite = WarehouseKind(
        name: "sqlite", connectsWith: ("path", "path = \"warehouse.db\""), capabilities: [.compilesInPlace, .cancels],
        dialect: SQLiteDialect(), open: { try SQLiteWarehouse($0) })
}

/// A SQLite source: rows and nothing more.
public final class SQLiteWarehouse: Warehouse {
    public let source: SQLiteSource
    public var kind: WarehouseKind { .sqlite }
    public var connection: any SourceConnection { source }
    public let dialect: any SQLDialect = SQLiteDialect()

    public var privileges: PrivilegeInspection {
        .unavailable(
            note: "a SQLite source is opened read-only (query_only, no ATTACH); its file's permissions are the only "
                + "grants")
    }

    /// - Throws: `ConnectorError` when the file cannot be opened.
    public init(_ settings: WarehouseSettings) throws {
        source = try SQLiteSource(path: settings.path ?? "")
    }
}

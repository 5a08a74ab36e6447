import SyncCore

/// What opening a warehouse needs, from its `[sources.NAME]` table (docs/warehouses.md).
public struct WarehouseSettings: Sendable {
    /// `postgres://...` or conninfo (postgres, redshift).
    public var url: Secret?
    public var password: Secret?
    /// A full ODBC connection string or `DSN=...`.
    public var odbc: Secret?
    /// The database file (sqlite), absolute.
    public var path: String?
    /// BigQuery's region for `INFORMATION_SCHEMA` (`us`, `eu`, `europe-west3`).
    public var region: String
    /// A cap on the bytes a query may bill, which the warehouse enforces (BigQuery); nil for none.
    public var maximumBytesBilled: Double?

    public init(
        url: Secret? = nil, password: Secret? = nil, odbc: Secret? = nil, path: String? = nil, region: String = "us",
        maximumBytesBilled: Double? = nil
    ) {
        self.url = url
        self.password = password
        self.odbc = odbc
        self.path = path
        self.region = region
        self.maximumBytesBilled = maximumBytesBilled
    }
}

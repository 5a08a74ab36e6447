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
    /// The HTTP API route (Snowflake's `account_url`); nil for a kind's other routes.
    public var api: WarehouseAPISettings?

    public init(
        url: Secret? = nil, password: Secret? = nil, odbc: Secret? = nil, path: String? = nil, region: String = "us",
        maximumBytesBilled: Double? = nil, api: WarehouseAPISettings? = nil
    ) {
        self.api = api
        self.url = url
        self.password = password
        self.odbc = odbc
        self.path = path
        self.region = region
        self.maximumBytesBilled = maximumBytesBilled
    }
}

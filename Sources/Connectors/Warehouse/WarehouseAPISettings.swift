import SyncCore

/// What opening a warehouse over its HTTP API needs, from its `[sources.NAME]` table
/// (docs/warehouses.md): where the API is, who connects and how, and the session's context.
public struct WarehouseAPISettings: Sendable {
    /// The API's base URL (Snowflake's `account_url`: `https://ACCOUNT.snowflakecomputing.com`;
    /// BigQuery's `api_url`, by default `https://bigquery.googleapis.com`).
    public var url: String
    /// BigQuery's project the jobs run in (`project`).
    public var project: String?
    /// BigQuery's default dataset for unqualified table names (`dataset`); nil for none.
    public var dataset: String?
    /// A Google service account's JSON key file (`credentials_file`), absolute.
    public var credentialsPath: String?
    /// The account identifier (`account`); nil derives it from `url`.
    public var account: String?
    /// The user the key pair belongs to (`user`); needed for key-pair auth.
    public var user: String?
    /// A PEM private key file (PKCS#8, encrypted or not, or PKCS#1), absolute.
    public var privateKeyPath: String?
    /// The passphrase of an encrypted key (`passphrase`).
    public var privateKeyPassphrase: Secret?
    /// An OAuth access token, instead of a key.
    public var token: Secret?
    /// The session's context (`warehouse`, `database`, `schema`, `role`); nil leaves the user's default.
    public var warehouse: String?
    public var database: String?
    public var schema: String?
    public var role: String?

    /// Settings of the API at `url`; the rest as the source's table gives them.
    public init(
        url: String, account: String? = nil, user: String? = nil, privateKeyPath: String? = nil,
        privateKeyPassphrase: Secret? = nil, token: Secret? = nil, warehouse: String? = nil, database: String? = nil,
        schema: String? = nil, role: String? = nil, project: String? = nil, dataset: String? = nil,
        credentialsPath: String? = nil
    ) {
        self.url = url
        self.project = project
        self.dataset = dataset
        self.credentialsPath = credentialsPath
        self.account = account
        self.user = user
        self.privateKeyPath = privateKeyPath
        self.privateKeyPassphrase = privateKeyPassphrase
        self.token = token
        self.warehouse = warehouse
        self.database = database
        self.schema = schema
        self.role = role
    }
}

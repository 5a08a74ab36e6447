import SyncCore

/// The body of `POST /api/v2/statements`
/// (https://docs.snowflake.com/en/developer-guide/sql-api/reference): one statement, its timeout in
/// seconds (0: the warehouse's own), the session's context, and session parameters such as `QUERY_TAG`.
struct SnowflakeSQLAPIStatement: Encodable, Sendable {
    var statement: String
    var timeout: Int?
    var database: String?
    var schema: String?
    var warehouse: String?
    var role: String?
    var parameters: [String: String]

    /// The statement `sql` runs as under `options` in `context`: the run's tag as `QUERY_TAG`, the
    /// model's timeout rounded up to whole seconds, and the query's own settings as session parameters.
    init(_ sql: String, options: QueryOptions, context: SnowflakeSQLAPIContext) {
        statement = sql
        timeout = options.timeout.map { Int(max(1, ($0.milliseconds + 999) / 1000)) }
        database = context.database
        schema = context.schema
        warehouse = context.warehouse
        role = context.role
        var parameters: [String: String] = [:]
        for setting in options.settings { parameters[setting.name.uppercased()] = setting.value }
        if let tag = options.tag { parameters["QUERY_TAG"] = tag.text }
        self.parameters = parameters
    }
}

/// The warehouse, database, schema and role every statement of a source runs in; nil leaves the
/// user's default.
struct SnowflakeSQLAPIContext: Sendable {
    var warehouse: String?
    var database: String?
    var schema: String?
    var role: String?
}

import Drivers
import SyncCore

extension PostgresSource: ScratchSession {
    /// Runs one of WarehouseSync's own statements (a warehouse-side diff's, docs/warehouse-diff.md) in a
    /// transaction of its own, with the read session's settings, tag and timeout, and commits it.
    /// With `readOnly` the transaction is `READ ONLY`: the statement may then write only temporary
    /// tables, so a model's query inside it cannot write anywhere, whatever the role may do.
    /// Cancelling `options.cancellation` cancels the statement on the server.
    /// - Returns: the rows the statement inserted or affected.
    /// - Throws: `ConnectorError`; the transaction is then rolled back.
    public func execute(_ sql: String, readOnly: Bool, options: QueryOptions) throws -> Int {
        let token = options.cancellation
        try SingleStatement.require(sql)
        if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled before it started") }
        guard let cancel = connection.cancelHandle() else { throw connection.error(nil) }
        try begin(options, readOnly: readOnly)
        do {
            let affected = try token.whileInFlight(cancel: { cancel.send() }) {
                if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled before it started") }
                // The extended protocol (PQexecParams): the server refuses a text of several statements.
                let affected = try connection.execute(sql, []).affectedRows
                try requireSettingsUnmoved()
                return affected
            }
            _ = try connection.execute("COMMIT")
            return affected
        } catch {
            rollback()
            if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled") }
            throw error
        }
    }

    /// Each result column of `sql` with its type as PostgreSQL spells it in a `CREATE TABLE`
    /// (`numeric(12,2)`, `public.mood`; a domain as its base type, as the rows carry it): a
    /// warehouse-side diff creates its table from these, so the model's text never runs outside
    /// a read-only transaction. The query is prepared, never run.
    /// - Returns: the columns, and the schemas of their types outside `pg_catalog` (an array's
    ///   element type's too), on which the role needs `USAGE` to create the table.
    /// - Throws: `ConnectorError` when it does not compile, or (`.unsupported`) when a column has a
    ///   type no table can hold (`record`, `void`).
    public func tableColumns(
        _ sql: String, options: QueryOptions
    ) throws -> (columns: [(name: String, type: String)], typeSchemas: [String]) {
        try SingleStatement.require(sql)
        try begin(options)
        defer { rollback() }
        let described = try connection.describe(sql)
        // Types spelled under the search_path of the statement that creates the table: every type
        // outside pg_catalog comes out schema-qualified.
        try connection.execute("SET LOCAL search_path = pg_catalog, pg_temp")
        var columns: [(name: String, type: String)] = []
        var schemas: Set<String> = []
        for index in 0..<described.columnCount {
            let name = described.columnName(index)
            let type = try connection.execute(
                "SELECT pg_catalog.format_type(t.oid, $2::pg_catalog.int4), t.typtype::pg_catalog.text, n.nspname, "
                    + "en.nspname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
                    + "LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND t.typcategory = 'A' "
                    + "LEFT JOIN pg_catalog.pg_namespace en ON en.oid = e.typnamespace "
                    + "WHERE t.oid = $1::pg_catalog.oid",
                [String(described.columnOID(index)), String(described.columnModifier(index))])
            guard type.rowCount == 1, let spelled = type.text(0, 0), type.text(0, 1) != "p" else {
                throw ConnectorError(
                    .unsupported,
                    "column \(name) has type \(type.text(0, 0) ?? "?"), which a table cannot hold, so the result "
                        + "cannot be compared in the warehouse",
                    hint: "cast it in the query (AS text, or AS jsonb for a row), or use -- diff: client")
            }
            columns.append((name, spelled))
            for column in [2, 3] {
                if let schema = type.text(0, column), !["pg_catalog", "information_schema"].contains(schema) {
                    schemas.insert(schema)
                }
            }
        }
        return (columns, schemas.sorted())
    }

    /// Every setting that changes how a value is spelled, and the client's encoding, as the session
    /// pinned them: a query that moves one (`set_config('extra_float_digits', ...)`) changes the
    /// text of the values after it in the same statement, which would then be compared as if
    /// nothing had moved.
    /// - Throws: `ConnectorError` (`.query`) naming the settings that moved.
    func requireSettingsUnmoved() throws {
        guard mode == .copy else { return }  // PostgreSQL; Redshift has few of these settings
        let pinned = Self.outputSettings + [("client_encoding", "UTF8")]
        let result = try connection.execute(
            "SELECT " + pinned.indices.map { "pg_catalog.current_setting($\($0 + 1))" }.joined(separator: ", "),
            pinned.map(\.name))
        var moved: [String] = []
        for (index, setting) in pinned.enumerated() {
            let value = result.text(0, index) ?? ""
            if value.replacingOccurrences(of: " ", with: "").lowercased()
                != setting.value.replacingOccurrences(of: " ", with: "").lowercased()
            {
                moved.append("\(setting.name) (\(value), not \(setting.value))")
            }
        }
        guard moved.isEmpty else {
            throw ConnectorError(
                .query,
                "the query changed \(moved.joined(separator: ", ")) while it ran, which changes how the values it "
                    + "returned are spelled; nothing was written",
                hint: "remove the set_config call from the model")
        }
    }
}

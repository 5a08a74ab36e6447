import CLibPQ
import Drivers
import SyncCore

extension PostgresSource: ScratchSession {
    /// Runs one of WarehouseSync's own statements (a warehouse-side diff's, SPEC 12) in a
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
                return try connection.execute(sql, []).affectedRows
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
    /// - Throws: `ConnectorError` when it does not compile, or (`.unsupported`) when a column has a
    ///   type no table can hold (`record`, `void`).
    public func tableColumns(_ sql: String, options: QueryOptions) throws -> [(name: String, type: String)] {
        try SingleStatement.require(sql)
        try begin(options)
        defer { rollback() }
        _ = try connection.check(PQprepare(connection.handle, "", sql, 0, nil))
        let described = try connection.check(PQdescribePrepared(connection.handle, ""))
        // Types spelled under the search_path of the statement that creates the table: every type
        // outside pg_catalog comes out schema-qualified.
        try connection.execute("SET LOCAL search_path = pg_catalog, pg_temp")
        var columns: [(name: String, type: String)] = []
        for index in 0..<described.columnCount {
            let name = described.columnName(index)
            let type = try connection.execute(
                "SELECT pg_catalog.format_type(t.oid, $2::pg_catalog.int4), t.typtype::pg_catalog.text "
                    + "FROM pg_catalog.pg_type t WHERE t.oid = $1::pg_catalog.oid",
                [String(described.columnOID(index)), String(described.columnModifier(index))])
            guard type.rowCount == 1, let spelled = type.text(0, 0), type.text(0, 1) != "p" else {
                throw ConnectorError(
                    .unsupported,
                    "column \(name) has type \(type.text(0, 0) ?? "?"), which a table cannot hold, so the result "
                        + "cannot be compared in the warehouse",
                    hint: "cast it in the query (AS text, or AS jsonb for a row), or use -- diff: client")
            }
            columns.append((name, spelled))
        }
        return columns
    }
}

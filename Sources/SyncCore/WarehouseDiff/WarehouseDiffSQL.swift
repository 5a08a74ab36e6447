/// The SQL of a diff inside the warehouse (docs/warehouse-diff.md), the same steps on every warehouse
/// that has one, each spelled by its `WarehouseDiffDialect`.
///
/// A run, all in one session of the source:
/// 1. `createResult` then `fillResult` (a read-only transaction where the warehouse has one)
///    materialize the model's result in the session's temporary table `ws_result` (or, where each
///    statement has a session of its own, a table of the scratch schema named by `resultTable`), as
///    `__warehouse_sync_key` (the key's text, `SQLDialect.keyText`), the result's columns, and
///    `__warehouse_sync_hash`, the warehouse's hash of the traits' canonical text
///    (`WarehouseDiffDialect.traitsHash`).
/// 2. `duplicateKeys` counts keys that appear more than once; when there are any, `duplicateRows`
///    streams just their rows, so the client reports them as a client-side run does.
/// 3. `createScratch` keeps the run's keys and hashes in the scratch schema (rows with a usable key).
/// 4. `delta` streams, in the key's byte order, the rows whose key is new or whose hash differs
///    from the previous run's table, every row whose key is unusable (NULL, blank, too long), and
///    the previous table's keys that are gone, with `__warehouse_sync_removed` true; `full`
///    streams every row (the first run, or when the previous table cannot be trusted).
/// 5. After the store's commit, `drop` removes the previous table (the swap).
///
/// Each trait's canonical text is `length:text` (or `-` for NULL), concatenated: the encoding is
/// injective, so two rows with different values never share the text that is hashed.
public struct WarehouseDiffSQL: Sendable {
    public let dialect: any WarehouseDiffDialect
    /// The scratch schema (BigQuery: dataset), a plain identifier (`ScratchTables.isSchemaName`).
    public let schema: String
    /// The model's key column.
    public let key: String
    /// The result's columns, in order, as the model's query names them.
    public let columns: [String]
    /// The columns whose values are hashed: the traits (empty for a segment, whose one trait is membership).
    public let traits: [String]

    /// The session's temporary table holding the run's result.
    public static let sessionResultTable = "ws_result"
    /// The table holding the run's result: `sessionResultTable`, or a table of the scratch schema
    /// (`ScratchTables.resultTable`, schema-qualified) where no session outlives a statement.
    public let resultTable: String
    /// Whether `resultTable` is a table of the scratch schema, which the run drops when it ends.
    public var resultIsScratchTable: Bool { resultTable != Self.sessionResultTable }
    /// The column holding the warehouse's hash of the traits.
    public static let hashColumn = "__warehouse_sync_hash"
    /// The column `delta` and `full` end with: true for a key the previous run had and this one has not.
    public static let removedColumn = "__warehouse_sync_removed"

    /// - Parameter resultTable: the unqualified name of a scratch-schema table for the result where
    ///   each statement runs in a session of its own (Snowflake's SQL API); nil for the session's
    ///   temporary table.
    public init(
        dialect: any WarehouseDiffDialect, schema: String, key: String, columns: [String], traits: [String],
        resultTable: String? = nil
    ) {
        self.dialect = dialect
        self.resultTable = resultTable.map { schema + "." + $0 } ?? Self.sessionResultTable
        self.schema = schema
        self.key = key
        self.columns = columns
        self.traits = traits
    }

    private var keyColumn: String { dialect.quote(identifier: SQLText.keyTextColumn) }
    private var hash: String { dialect.quote(identifier: Self.hashColumn) }
    private var removed: String { dialect.quote(identifier: Self.removedColumn) }
    private func scratch(_ table: String) -> String { schema + "." + table }

    /// The hash of the traits of the row `q`, as the warehouse computes it.
    var hashExpression: String { dialect.traitsHash(traits.map { "q." + dialect.quote(identifier: $0) }) }

    private func resultSelect(_ sql: String) -> String {
        "SELECT \(dialect.byBytes(dialect.keyText("q." + dialect.quote(identifier: key)))) AS \(keyColumn), q.*, "
            + "\(hashExpression) AS \(hash) FROM (\n\(SQLText.stripTrailingSemicolon(sql))\n) q"
    }

    /// Creates the session's empty result table from the result's columns and their types as
    /// the warehouse spells them (`PostgresSource.tableColumns`), so the model's text never runs
    /// in a transaction that may write. PostgreSQL and Redshift only: Snowflake and BigQuery
    /// create and fill it in `fillResult`.
    public func createResult(columns typed: [(name: String, type: String)]) -> String? {
        guard let key = dialect.resultKeyType, !resultIsScratchTable else { return nil }
        let columns =
            ["\(keyColumn) \(key)"] + typed.enumerated().map { "\(resultColumn($0.offset)) \($0.element.type)" }
            + ["\(hash) \(dialect.textType)"]
        return "CREATE TEMPORARY TABLE \(resultTable) (\(columns.joined(separator: ", ")))"
    }

    /// Runs the model's query into the session's result table: on PostgreSQL and Redshift inside a
    /// read-only transaction, which lets it write only temporary tables.
    public func fillResult(_ sql: String) -> String {
        if resultIsScratchTable { return dialect.createScratchResult(resultTable, as: resultSelect(sql)) }
        return dialect.resultKeyType == nil
            ? dialect.createResult(resultTable, as: resultSelect(sql))
            : "INSERT INTO \(resultTable) \(resultSelect(sql))"
    }

    /// Whether `fillResult` reports the rows it inserted: the result table was created beforehand.
    public var fillCountsRows: Bool { dialect.resultKeyType != nil && !resultIsScratchTable }

    /// One row, one column: how many rows the result has.
    public var rowCount: String { "SELECT COUNT(*) FROM \(resultTable)" }

    /// One row, one column: how many usable keys appear more than once.
    public var duplicateKeys: String {
        "SELECT COUNT(*) FROM (SELECT \(keyColumn) FROM \(resultTable) WHERE \(dialect.usableKey(keyColumn)) "
            + "GROUP BY \(keyColumn) HAVING COUNT(*) > 1) d"
    }

    /// The result's columns as the session's table names them: by position on PostgreSQL and
    /// Redshift, whose table is created from their types (a result column may be named `ctid` or
    /// `xmin`, which no table's column may), by name where the table is made from the query.
    private func resultColumn(_ index: Int) -> String {
        dialect.resultKeyType != nil ? "c\(index + 1)" : dialect.quote(identifier: columns[index])
    }

    /// The result's columns read from the session's table `n`, each under its name in the result.
    private var resultColumns: String {
        columns.indices.map { "n.\(resultColumn($0)) AS \(dialect.quote(identifier: columns[$0]))" }
            .joined(separator: ", ")
    }

    private var selectedColumns: String { "n.\(keyColumn) AS \(keyColumn), \(resultColumns)" }

    /// Every row whose key appears more than once, in key order.
    public var duplicateRows: String {
        "SELECT \(selectedColumns), FALSE AS \(removed) FROM \(resultTable) n WHERE n.\(keyColumn) IN (SELECT "
            + "\(keyColumn) FROM \(resultTable) GROUP BY \(keyColumn) HAVING COUNT(*) > 1) ORDER BY "
            + byteOrder("n.\(keyColumn)")
    }

    /// Creates `table` in the scratch schema holding this run's usable keys and their hashes.
    public func createScratch(_ table: String) -> String {
        "CREATE TABLE \(scratch(table)) AS SELECT \(keyColumn), \(hash) FROM \(resultTable) WHERE "
            + dialect.usableKey(keyColumn)
    }

    /// Every row of the result, in key order: the client compares it with the store's snapshot.
    public var full: String {
        "SELECT \(selectedColumns), FALSE AS \(removed) FROM \(resultTable) n ORDER BY "
            + byteOrder("n.\(keyColumn)")
    }

    /// The rows that differ from `previous` (a table of the scratch schema), in key order.
    public func delta(previous: String) -> String {
        return "SELECT COALESCE(n.\(keyColumn), p.\(keyColumn)) AS \(keyColumn), \(resultColumns), n.\(hash) IS NULL "
            + "AS \(removed) FROM \(resultTable) n FULL OUTER JOIN \(scratch(previous)) p ON n.\(keyColumn) = "
            + "p.\(keyColumn) WHERE n.\(hash) IS NULL OR p.\(keyColumn) IS NULL OR n.\(hash) <> p.\(hash) ORDER BY "
            + byteOrder("COALESCE(n.\(keyColumn), p.\(keyColumn))")
    }

    /// Removes the result's table of the scratch schema (`resultIsScratchTable`), if it is there.
    public var dropResult: String { "DROP TABLE IF EXISTS \(resultTable)" }

    /// Removes a table of the scratch schema, if it is there.
    public func drop(_ table: String) -> String { "DROP TABLE IF EXISTS \(scratch(table))" }

    /// One column: the scratch schema's tables whose name starts with `prefix` (`ScratchTables.prefix`).
    public func tables(prefix: String) -> String { dialect.tables(schema: schema, prefix: prefix) }

    private func byteOrder(_ text: String) -> String { dialect.byteOrder(text) ?? "\(text) COLLATE \"C\"" }

    /// What the hashes cover: the key, and each trait's name and type. A previous table of another
    /// shape is not compared with (its hashes mean something else); the run streams every row.
    public static func shape(key: String, traits: [(name: String, type: String)]) -> String {
        "v1 key=\(key) " + traits.map { "\($0.name):\($0.type)" }.joined(separator: ",")
    }
}

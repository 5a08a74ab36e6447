import Drivers
import SyncCore

/// Reads model results from PostgreSQL (with `COPY (query) TO STDOUT`) or Redshift (single-row
/// mode, since Redshift has no COPY to the client), always inside a `READ ONLY` transaction.
public final class PostgresSource: SourceConnection {
    public enum FetchMode: Sendable { case copy, singleRow }

    public let connection: PGConnection
    public let mode: FetchMode
    /// The `work_mem` of a read session unless its settings say otherwise.
    public static let defaultWorkMem = "64MB"

    /// Every setting that changes how PostgreSQL spells a value, pinned in each read session so
    /// that a value's text never depends on the server's, database's, role's or session's
    /// configuration (`ALTER DATABASE ... SET IntervalStyle` must not rewrite every profile).
    public static var outputSettings: [(name: String, value: String)] { PostgresDialect.outputSettings }

    /// The `pg_stat_statements` view once looked for: `.some(nil)` when it does not answer.
    var statementStatsView: String?? = nil

    public init(connection: PGConnection, mode: FetchMode = .copy) {
        self.connection = connection
        self.mode = mode
    }

    public convenience init(url: String, password: String? = nil, mode: FetchMode = .copy) throws {
        self.init(connection: try PGConnection(conninfo: url, password: password), mode: mode)
    }

    public func describe(_ sql: String, options: QueryOptions) throws -> [Column] {
        try SingleStatement.require(sql)
        try begin(options)
        defer { rollback() }
        return try prepareAndDescribe(sql)
    }

    public func stream(_ sql: String, options: QueryOptions, into receiver: inout some RowReceiver) throws -> QueryStats
    {
        let token = options.cancellation
        try SingleStatement.require(sql)
        if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled before it started") }
        guard let cancel = connection.cancelHandle() else { throw connection.error(nil) }
        // The server's own account of the COPY, read around it and outside its transaction.
        let copyText = mode == .copy ? try PGCopyReader.statement(copying: sql) : nil
        let before = copyText.flatMap(statementCounters)
        var stats = try inTransaction(options) {
            try token.whileInFlight(cancel: { cancel.send() }) {
                if token.isCancelled { throw ConnectorError(.cancelled, "the query was cancelled before it started") }
                let stats = try run(sql, &receiver, token)
                try requireSettingsUnmoved()
                return stats
            }
        }
        if let before, let copyText, let measures = statementCounters(copyText)?.measures(since: before) {
            stats.serverMeasures = measures
        }
        return stats
    }

    private func inTransaction<T>(_ options: QueryOptions, _ body: () throws -> T) throws -> T {
        try begin(options)
        defer { rollback() }  // after the cancel loop has stopped, so no late cancel hits it
        return try body()
    }

    private func run(_ sql: String, _ receiver: inout some RowReceiver, _ token: CancellationToken) throws -> QueryStats
    {
        var watch = Stopwatch()
        let columns = try prepareAndDescribe(sql)
        try receiver.columns(columns)
        let types = columns.map { $0.type }
        let elements = columnElementTypes
        var stats = QueryStats()
        do {
            switch mode {
            case .copy: try streamCopy(sql, types, elements, &receiver, &stats, &watch, token)
            case .singleRow: try streamSingleRows(sql, types, elements, &receiver, &stats, &watch, token)
            }
        } catch let error as ConnectorError {
            throw error
        } catch {
            // The receiver gave up: stop the server's work before rolling back (COPY already did).
            if mode == .singleRow { abandon() }
            throw error
        }
        stats.fetchTime = watch.lap()
        return stats
    }

    // MARK: - Session

    func begin(_ options: QueryOptions, readOnly: Bool = true) throws {
        // work_mem: room to sort a model's result by key in memory; settings may override it.
        var sql = readOnly ? "BEGIN READ ONLY;" : "BEGIN;"
        for (name, value) in Self.outputSettings { sql += " SET LOCAL \(name) = '\(value)';" }
        sql += " SET LOCAL work_mem = '\(Self.defaultWorkMem)';"
        if let timeout = options.timeout { sql += " SET LOCAL statement_timeout = \(timeout.milliseconds);" }
        if let tag = options.tag { sql += " SET LOCAL application_name = \(connection.literal(tag.text));" }
        for (name, value) in options.settings {
            guard isSettingName(name) else {
                throw ConnectorError(
                    .query, "invalid session setting name \"\(name)\"",
                    hint: "setting names are letters, digits, '_' and '.'")
            }
            // set_config parses the value as the setting's own text: a list (search_path) stays a list.
            sql += " SELECT pg_catalog.set_config(\(connection.literal(name)), \(connection.literal(value)), true);"
        }
        do { try connection.execute(sql) } catch {
            rollback()
            throw error
        }
    }

    func rollback() {
        guard !connection.isBroken else { return }
        connection.drainResults()
        // A cancel still on its way may interrupt the first attempt.
        if (try? connection.execute("ROLLBACK")) == nil, !connection.isBroken {
            _ = try? connection.execute("ROLLBACK")
        }
    }

    private var columnElementTypes: [ArrayElement?] = []

    private func prepareAndDescribe(_ sql: String) throws -> [Column] {
        let described = try connection.describe(sql)
        let columnOIDs = (0..<described.columnCount).map { (described.columnName($0), described.columnOID($0)) }
        var columns: [Column] = []
        columnElementTypes = []
        for (name, oid) in columnOIDs {
            let type = try resolvedType(oid)
            columns.append(
                Column(name: name, type: type.valueType, textCastIsIdentity: Self.textCastIsIdentity.contains(oid)))
            columnElementTypes.append(type.element)
        }
        return columns
    }

    /// `text` and `varchar`: `CAST(x AS TEXT)` of either is `x`, as COPY sends it.
    private static let textCastIsIdentity: Set<UInt32> = [25, 1043]

    /// Types the catalog resolved on this connection, by OID.
    private var resolvedTypes: [UInt32: PGType] = [:]

    /// A built-in type as `PGType` knows it; any other through the catalog: a domain as its base
    /// type, and every array (of an enum, a domain, a composite, a range, or a domain over an array)
    /// as an array whose elements read as their base type's, or as text. Anything else reads as text.
    private func resolvedType(_ oid: UInt32) throws -> PGType {
        let known = PGType(oid: oid)
        if known.valueType != .unknown { return known }
        if let cached = resolvedTypes[oid] { return cached }
        var type = known
        let described = try describeType(oid)
        let base = PGType(oid: described.base)
        if base.valueType != .unknown {
            type = base
        } else if described.isArray {
            type = PGType(valueType: .array, element: try element(described.element))
        }
        resolvedTypes[oid] = type
        return type
    }

    /// How the elements of an array of `oid` read: a scalar's base type, an array's (nested), or text.
    private func element(_ oid: UInt32) throws -> ArrayElement {
        let described = try describeType(oid)
        let base = PGType(oid: described.base)
        if base.valueType == .array { return ArrayElement(.array, inner: base.element?.type ?? .text) }
        if base.valueType != .unknown { return ArrayElement(base.valueType) }
        guard described.isArray else { return ArrayElement(.text) }
        let inner = PGType(oid: try describeType(described.element).base)
        return ArrayElement(
            .array, inner: inner.valueType == .unknown || inner.valueType == .array ? .text : inner.valueType)
    }

    /// The base of `oid`'s domain chain, whether that base is an array (array_in reads it), and its element.
    private func describeType(_ oid: UInt32) throws -> (base: UInt32, isArray: Bool, element: UInt32) {
        let row = try connection.execute(
            """
            WITH RECURSIVE base(oid, depth) AS (
                SELECT $1::oid, 0
                UNION ALL SELECT t.typbasetype, b.depth + 1 FROM base b JOIN pg_catalog.pg_type t ON t.oid = b.oid
                WHERE t.typtype = 'd' AND b.depth < 32)
            SELECT b.oid, t.typinput = 'pg_catalog.array_in'::regproc AND t.typelem <> 0, t.typelem
            FROM base b JOIN pg_catalog.pg_type t ON t.oid = b.oid ORDER BY b.depth DESC LIMIT 1
            """, ["\(oid)"])
        guard row.rowCount == 1 else { return (oid, false, 0) }
        return (
            row.text(0, 0).flatMap(UInt32.init) ?? oid, row.text(0, 1) == "t", row.text(0, 2).flatMap(UInt32.init) ?? 0
        )
    }

    /// Cancels the statement in flight and drains what the server still sends.
    private func abandon() {
        connection.cancelHandle()?.send()
        connection.drainResults()
    }

    // MARK: - COPY

    private func streamCopy(
        _ sql: String, _ types: [ValueType], _ elements: [ArrayElement?],
        _ receiver: inout some RowReceiver, _ stats: inout QueryStats,
        _ watch: inout Stopwatch, _ token: CancellationToken
    ) throws {
        let reader = try PGCopyReader(
            connection: connection, query: sql, types: types, elements: elements,
            cancelled: { token.isCancelled })
        var first = true
        do {
            while try reader.nextRaw({ raw in
                if first {
                    stats.queryTime = watch.lap()
                    first = false
                }
                stats.rows += 1
                try receiver.row(raw: raw)
            }) {}
        } catch let error as ConnectorError {
            throw error
        } catch {
            reader.abandon()
            throw error
        }
        if first { stats.queryTime = watch.lap() }
        stats.bytes = reader.bytes
    }

    // MARK: - Single-row mode

    private func streamSingleRows(
        _ sql: String, _ types: [ValueType], _ elements: [ArrayElement?],
        _ receiver: inout some RowReceiver, _ stats: inout QueryStats,
        _ watch: inout Stopwatch, _ token: CancellationToken
    ) throws {
        // The extended protocol: the server refuses a text of several statements.
        var values = [Value](repeating: .null, count: types.count)
        try connection.streamRows(
            sql, columns: types.count, cancelled: { token.isCancelled }, firstResult: { stats.queryTime = watch.lap() }
        ) { cell in
            for column in 0..<types.count {
                guard let bytes = cell(column) else {
                    values[column] = .null
                    continue
                }
                stats.bytes += bytes.count
                values[column] = TextCellDecoder.decode(bytes, as: types[column], element: elements[column])
            }
            stats.rows += 1
            try receiver.row(values)
        }
    }

    private func isSettingName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy {
                $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0 | 0x20)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            }
    }
}

@available(*, unavailable)
extension PostgresSource: Sendable {}

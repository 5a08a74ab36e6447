import Connectors
import Foundation
import SyncCore

/// One run's diff inside the warehouse (docs/warehouse-diff.md), on a second session of the source: the model's
/// result is materialized there with a hash of its traits, compared with the table the store says
/// is current, and only added, changed and removed rows are streamed into the client's diff.
///
/// Exactly once across the two systems: the run's table is written before the store's commit,
/// which records it (`ScratchState`); the previous table is dropped only after that commit. A run
/// that dies between the two leaves both tables; the next run trusts only the one its store
/// records and drops the others first. A run that cannot trust a table (none recorded, missing,
/// another shape, `--full`) streams the whole result and diffs it against the store's snapshot.
final class WarehouseDiff {
    let sql: WarehouseDiffSQL
    let session: any ScratchSession
    /// This run's table, and the shape its hashes cover.
    let state: ScratchState
    private let prefix: String
    /// The table this run compares with; nil streams the whole result.
    private(set) var previous: String?
    /// The table the store records, which goes once this run's commit replaces it.
    private let recorded: String?
    private var created = false
    /// Whether the result went to a table of the scratch schema, which the run drops when it ends.
    private var resultWritten = false
    /// Time spent in the warehouse's statements before the rows stream.
    private(set) var warehouseTime: Duration = .zero
    /// Bytes read by the catalog and count queries, which `stream` adds to the rows' bytes.
    private var catalogBytes = 0
    /// The options of WarehouseSync's own statements: on PostgreSQL a fixed `search_path` and the
    /// session's own role, since a model's `set_config(..., false)` outlives its statement.
    private let own: QueryOptions
    /// The options of the statement that runs the model's query.
    private let modelOptions: QueryOptions
    /// The options of the statements that stream values: WarehouseSync's own, with the session's
    /// `search_path` as it was before the model ran (a `regclass` is spelled by it, as client-side).
    private let streamOptions: QueryOptions
    /// Where the result table is created from the result's column types before the model runs.
    private let catalog: (any RoleCatalog)?
    /// Whether only the duplicated keys' rows were streamed: the client's diff must then find them.
    private(set) var streamedDuplicates = false

    /// Opens the session and reads which of the model's tables exist.
    /// - Parameters:
    ///   - columns: the model query's columns, as compiled.
    ///   - recorded: what the store's last commit of the model says is current.
    ///   - dryRun: a dry run drops nothing and writes no table of the scratch schema.
    /// - Throws: `ConnectorError`.
    init(
        model: Model, config: SourceConfig, warehouse: any Warehouse, columns: [Column], storeID: String,
        runID: String, recorded: ScratchState?, full: Bool, dryRun: Bool, options: QueryOptions
    ) throws {
        guard let dialect = warehouse.diffDialect else {
            throw ConnectorError(.unsupported, "a \(warehouse.kind.name) source cannot run a diff inside the warehouse")
        }
        let names = columns.map(\.name)
        let traits = model.kind == .segment ? [] : model.traitNames(columns: names)
        let types = Dictionary(columns.map { ($0.name, $0.type.rawValue) }, uniquingKeysWith: { a, _ in a })
        let shape = WarehouseDiffSQL.shape(
            key: model.key, traits: (model.kind == .segment ? [model.name] : traits).map { ($0, types[$0] ?? "") })
        let scratch = try warehouse.openScratch(options: options)
        sql = WarehouseDiffSQL(
            dialect: dialect, schema: config.scratchSchema ?? "", key: model.key, columns: names, traits: traits,
            resultTable: scratch.statementsOwnSession
                ? ScratchTables.resultTable(model: model.name, store: storeID, runID: runID) : nil)
        state = ScratchState(
            table: ScratchTables.table(model: model.name, store: storeID, runID: runID), shape: shape)
        prefix = ScratchTables.prefix(model: model.name, store: storeID)
        session = scratch.session
        catalog = scratch.catalog
        own = scratch.own
        modelOptions = scratch.model
        streamOptions = scratch.stream
        var reader = TableNames()
        catalogBytes += try session.stream(sql.tables(prefix: prefix), options: own, into: &reader).bytes
        let existing = reader.names
        self.recorded = recorded?.table
        previous = recorded.flatMap { $0.shape == shape && existing.contains($0.table) && !full ? $0.table : nil }
        guard !dryRun else { return }
        // Tables of runs that never committed, and the previous table of a run that died before its
        // swap: only the table the store records is kept (until a commit replaces it).
        for table in existing where table != recorded?.table {
            try timed { _ = try session.execute(sql.drop(table), readOnly: false, options: own) }
        }
    }

    /// Whether the scratch schema holds tables of `model` other than the one `recorded` names:
    /// a swap is pending, and the next run must not be skipped (docs/warehouse-diff.md).
    static func swapPending(
        model: Model, storeID: String, recorded: ScratchState?, schema: String, dialect: any WarehouseDiffDialect,
        on connection: any SourceConnection, options: QueryOptions
    ) throws -> Bool {
        let sql = WarehouseDiffSQL(dialect: dialect, schema: schema, key: model.key, columns: [], traits: [])
        var reader = TableNames()
        _ = try connection.stream(
            sql.tables(prefix: ScratchTables.prefix(model: model.name, store: storeID)), options: options, into: &reader
        )
        return reader.names.contains { $0 != recorded?.table }
    }

    /// Materializes the result in the session; the model's query runs only in a read-only
    /// transaction (PostgreSQL, Redshift), the table it fills created beforehand from its columns' types.
    /// - Returns: the result's row count.
    func materialize(_ modelSQL: String) throws -> Int {
        try timed {
            if let catalog {
                let typed = try catalog.tableColumns(modelSQL, options: modelOptions)
                if let create = sql.createResult(columns: typed.columns) {
                    do {
                        _ = try session.execute(create, readOnly: false, options: own)
                    } catch var error as ConnectorError where error.sqlState == "42501" {
                        error.hint =
                            "the role needs USAGE on the schema of each type of the result's columns ("
                            + typed.typeSchemas.joined(separator: ", ") + "); the grants report lists it"
                        throw error
                    }
                }
            }
            resultWritten = sql.resultIsScratchTable
            let inserted: Int
            do {
                inserted = try session.execute(sql.fillResult(modelSQL), readOnly: true, options: modelOptions)
            } catch var error as ConnectorError where error.code == .query && sql.resultIsScratchTable {
                // The result goes to the scratch schema here: a missing schema or grant fails this statement.
                error.hint = Self.scratchHint(sql.schema)
                throw error
            }
            return sql.fillCountsRows ? inserted : try count(sql.rowCount)
        }
    }

    /// Streams the rows the client's diff needs into `diff`: only the duplicated keys' rows when
    /// there are any (the diff reports them), else the delta against the previous table, or every row.
    /// Writes this run's table first unless `dryRun`.
    func stream(into diff: inout DiffReceiver, rows: Int, dryRun: Bool) throws -> QueryStats {
        let duplicates = try timed { try count(sql.duplicateKeys) }
        let text: String
        diff.marksRemovals = true
        if duplicates > 0 {
            text = sql.duplicateRows
            streamedDuplicates = true
        } else {
            if !dryRun {
                created = true
                do {
                    try timed {
                        _ = try session.execute(sql.createScratch(state.table), readOnly: false, options: own)
                    }
                } catch var error as ConnectorError where error.code == .query {
                    error.hint = error.hint ?? Self.scratchHint(sql.schema)
                    throw error
                }
            }
            text = previous.map(sql.delta(previous:)) ?? sql.full
            diff.sparse = previous != nil
            diff.rowsInResult = rows
        }
        var stats = try session.stream(text, options: streamOptions, into: &diff)
        stats.queryTime += warehouseTime
        stats.bytes += catalogBytes
        return stats
    }

    /// What to check when a statement that writes to the scratch schema fails.
    static func scratchHint(_ schema: String) -> String {
        "the source's scratch_schema \(schema) must exist, and the role needs USAGE and CREATE on it "
            + "(docs/warehouse-diff.md)"
    }

    /// After the store's commit: drops the previous table. A failure is left for the next run.
    func swap() {
        dropResult()
        guard let recorded, recorded != state.table else { return }
        _ = try? session.execute(sql.drop(recorded), readOnly: false, options: upkeep)
    }

    /// When the run did not commit: drops this run's tables, if it wrote any.
    func discard() {
        dropResult()
        guard created else { return }
        created = false
        _ = try? session.execute(sql.drop(state.table), readOnly: false, options: upkeep)
    }

    /// Drops the result's table of the scratch schema; one left by a run that died goes with the
    /// next run's clean-up, as it shares the model's prefix.
    private func dropResult() {
        guard resultWritten else { return }
        resultWritten = false
        _ = try? session.execute(sql.dropResult, readOnly: false, options: upkeep)
    }

    /// The options of the swap and the clean-up: never cancelled (they run after a cancelled run too).
    private var upkeep: QueryOptions { QueryOptions(timeout: .seconds(60), tag: own.tag, settings: own.settings) }

    private func count(_ text: String) throws -> Int {
        var reader = FirstValue()
        catalogBytes += try session.stream(text, options: own, into: &reader).bytes
        switch reader.value {
        case .int(let n): return Int(n)
        case .decimal(let text), .text(let text): return Int(text) ?? 0
        default: return 0
        }
    }

    private func timed<T>(_ body: () throws -> T) rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        defer { warehouseTime += clock.now - start }
        return try body()
    }
}

/// The first column of a catalog query, as a set of names.
private struct TableNames: RowReceiver {
    var names: Set<String> = []
    mutating func columns(_ columns: [Column]) throws {}
    mutating func row(_ values: [Value]) throws {
        if case .text(let name) = values.first { names.insert(name) }
    }
}

/// The first value of a one-row query.
private struct FirstValue: RowReceiver {
    var value: Value?
    mutating func columns(_ columns: [Column]) throws {}
    mutating func row(_ values: [Value]) throws { if value == nil { value = values.first } }
}

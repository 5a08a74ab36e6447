import Drivers
import SyncCore

extension WarehouseKind {
    /// Snowflake through its SQL API v2 (`account_url`) or its ODBC driver (`odbc`) (docs/warehouses.md).
    public static let snowflake = WarehouseKind(
        name: "snowflake",
        connectsWith: (
            "account_url", "account_url = \"https://ACCOUNT.snowflakecomputing.com\" (or odbc = \"DSN=name\")"
        ),
        alternativeSettings: ["odbc"],
        capabilities: [.skipsUnchanged, .warehouseDiff, .measuresCost, .cancels], budgetUnits: [.bytes, .credits],
        dialect: SnowflakeDialect(),
        // The SQL API's client connects on its first statement: making it reads and checks the key.
        check: { settings in _ = try settings.api.map(SnowflakeSQLAPISource.client) },
        open: { try SnowflakeWarehouse($0) })
}

/// A Snowflake source over the SQL API (`account_url`) or ODBC: `EXPLAIN USING TABULAR`'s objects and
/// bytes, each table's `SYSTEM$LAST_CHANGE_COMMIT_TIME`, and a credits budget kept as a statement timeout.
public final class SnowflakeWarehouse: Warehouse {
    /// The model's session: a `SnowflakeSQLAPIConnection` or a `SnowflakeODBCSession`.
    public let connection: any SourceConnection
    private var source: any SourceConnection { connection }
    private let openSession: () throws -> any ScratchSession
    /// The SQL API runs every request in a session of its own
    /// (https://docs.snowflake.com/en/developer-guide/sql-api/intro#limitations-of-the-sql-api).
    private let statementsOwnSession: Bool
    public var kind: WarehouseKind { .snowflake }
    public let dialect: any SQLDialect = SnowflakeDialect()
    public var privileges: PrivilegeInspection { .catalog(SnowflakeDialect()) }

    /// Opens the SQL API route when `settings.api` is set, else the ODBC route.
    /// - Throws: `ConnectorError` when it cannot connect, or the key or settings are unusable.
    public init(_ settings: WarehouseSettings) throws {
        if let api = settings.api {
            let client = try SnowflakeSQLAPISource.client(api)
            connection = SnowflakeSQLAPIConnection(client: client)
            openSession = { SnowflakeSQLAPIConnection(client: client) }
            statementsOwnSession = true
        } else {
            let odbc = settings.odbc?.reveal() ?? ""
            connection = SnowflakeODBCSession(try ODBCSource(connectionString: odbc, dialect: SnowflakeDialect()))
            openSession = { SnowflakeODBCSession(try ODBCSource(connectionString: odbc, dialect: SnowflakeDialect())) }
            statementsOwnSession = false
        }
    }

    public func probe(_ sql: String, model: String, previousRun: String?, probeSources: Bool, options: QueryOptions)
        throws -> PreRunProbe
    {
        let explained: (columns: [String], rows: [[Value]])
        do {
            explained = try source.collectAll(SnowflakeProbe.explain(sql), options: options)
        } catch let error as ConnectorError where error.code == .query {
            // A warehouse (or emulator) without EXPLAIN USING TABULAR: no estimate, and never skipped.
            return PreRunProbe(
                skipUnavailable: probeSources ? "Snowflake refused EXPLAIN USING TABULAR: \(error.message)" : nil)
        }
        let plan = SnowflakeProbe.plan(columns: explained.columns, rows: explained.rows)
        var result = PreRunProbe(estimates: [:])
        result.estimates["bytes_assigned"] = plan.bytesAssigned
        guard probeSources else { return result }
        var relations: [String: [Int64]] = [:]
        if !plan.objects.isEmpty {
            do {
                relations = try source.namedCounters(SnowflakeProbe.changeTokens(plan.objects), options: options)
            } catch let error as ConnectorError where error.code == .query {
                // Without SYSTEM$LAST_CHANGE_COMMIT_TIME nothing says the tables are unchanged: never skipped.
                result.skipUnavailable = "Snowflake refused SYSTEM$LAST_CHANGE_COMMIT_TIME: \(error.message)"
                return result
            }
        }
        // A Snowflake session's CURRENT_DATE is in the account's timezone, which the probe does not know.
        let time = QueryTimeScan.scan(sql)
        if time == .date {
            result.skipUnavailable = "the query reads CURRENT_DATE, whose day the account's TIMEZONE sets"
        }
        result.sources = SourceProbe(
            relations: relations, time: time == .date ? .volatile : time, plan: XXH3Digest.hex(of: plan.shape))
        return result
    }

    public func assess(_ budget: Budget, estimates: [String: Double], force: Bool, options: QueryOptions) throws
        -> BudgetAssessment
    {
        switch budget.unit {
        case .bytes:
            guard let estimate = estimates["bytes_assigned"] else {
                throw BudgetProblem(
                    "Snowflake's EXPLAIN gave no bytes to check budget \(budget) against",
                    hint: "run EXPLAIN USING TABULAR on the model's query to see its GlobalStats row")
            }
            return .estimate(estimate, who: "Snowflake's EXPLAIN assigns")
        case .credits:
            if force { return .enforcedByWarehouse }
            return try creditsCap(budget, options: options)
        case .plannerCost:
            return .unsupported
        }
    }

    /// A credits budget as the statement timeout the session's warehouse size allows.
    private func creditsCap(_ budget: Budget, options: QueryOptions) throws -> BudgetAssessment {
        let warehouse = try source.collectFirstRow(SnowflakeProbe.currentWarehouse, options: options)
        guard case .text(let name)? = warehouse?.first else {
            throw BudgetProblem(
                "the session has no warehouse to convert budget \(budget) into time",
                hint: "set warehouse = \"...\" on the source (with odbc: Warehouse= in its connection string)")
        }
        let shown = try source.collectAll(SnowflakeProbe.showWarehouse(name), options: options)
        let sizeColumn = shown.columns.firstIndex { $0.lowercased() == "size" }
        guard let sizeColumn, case .text(let size)? = shown.rows.first?[sizeColumn],
            let timeout = SnowflakeProbe.timeout(credits: budget.limit, warehouseSize: size)
        else {
            throw BudgetProblem(
                "warehouse \(name) has a size WarehouseSync has no credit rate for",
                hint: "use a bytes budget (50GB), or a standard warehouse size (X-Small to 6X-Large)")
        }
        return .capped(
            timeout: timeout,
            explanation: "\(budget) on a \(size) warehouse (\(name)) is \(DurationText.format(timeout)) of it")
    }

    public func openScratch(options: QueryOptions) throws -> ScratchConnection {
        ScratchConnection(
            session: try openSession(), own: options, model: options, stream: options,
            statementsOwnSession: statementsOwnSession)
    }
}

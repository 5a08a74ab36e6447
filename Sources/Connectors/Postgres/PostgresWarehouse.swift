import Drivers
import SyncCore

extension WarehouseKind {
    /// PostgreSQL through libpq, rows streamed by `COPY` (docs/warehouses.md).
    public static let postgres = WarehouseKind(
        name: "postgres", connectsWith: ("url", "url = \"postgres://user@host:5432/db\""),
        capabilities: [.compilesInPlace, .skipsUnchanged, .warehouseDiff, .measuresCost, .cancels],
        budgetUnits: [.plannerCost], dialect: PostgresDialect(), open: { try PostgresWarehouse($0) })
}

/// A PostgreSQL source: the planner's estimate and the catalog's change counters before a run,
/// `pg_stat_statements` after it, and a diff inside the warehouse on a second session.
public final class PostgresWarehouse: Warehouse {
    public let source: PostgresSource
    private let settings: WarehouseSettings
    public var kind: WarehouseKind { .postgres }
    public var connection: any SourceConnection { source }
    public let dialect: any SQLDialect = PostgresDialect()
    public var privileges: PrivilegeInspection { .roleCatalog(source) }

    /// - Throws: `ConnectorError` when it cannot connect.
    public init(_ settings: WarehouseSettings) throws {
        self.settings = settings
        source = try PostgresSource(url: settings.url?.reveal() ?? "", password: settings.password?.reveal())
    }

    public func probe(_ sql: String, model: String, previousRun: String?, probeSources: Bool, options: QueryOptions)
        throws -> PreRunProbe
    {
        guard probeSources else {
            let cost = try? source.plannerTotalCost(sql, options: options)
            return PreRunProbe(estimates: cost.map { ["planner_total_cost": $0] } ?? [:])
        }
        let probe = try source.probeSources(sql, options: options)
        var result = PreRunProbe(sources: probe)
        result.estimates["planner_total_cost"] = probe.totalCost
        return result
    }

    public func assess(_ budget: Budget, estimates: [String: Double], force: Bool, options: QueryOptions) throws
        -> BudgetAssessment
    {
        try PlannerBudget.assess(budget, estimates: estimates)
    }

    /// A second libpq session; WarehouseSync's own statements pin `search_path` and the session's
    /// role, and a client that dies (SIGKILL) stops the statement within a second on PostgreSQL 14+.
    public func openScratch(options: QueryOptions) throws -> ScratchConnection {
        let session = try PostgresSource(url: settings.url?.reveal() ?? "", password: settings.password?.reveal())
        var own = options
        var model = options
        own.settings += [("search_path", "pg_catalog, pg_temp"), ("role", "none"), ("client_encoding", "UTF8")]
        if session.connection.serverVersion >= 140_000 {
            own.settings.append(("client_connection_check_interval", "1000"))
            model.settings.append(("client_connection_check_interval", "1000"))
        }
        var stream = own
        // Read before the model runs: its set_config(..., false) would outlive its statement.
        let path = try session.collectFirstRow("SELECT pg_catalog.current_setting('search_path')", options: model)
        if case .text(let original)? = path?.first {
            stream.settings = own.settings.map { $0.name == "search_path" ? ($0.name, original) : $0 }
        }
        return ScratchConnection(session: session, own: own, model: model, stream: stream, catalog: session)
    }
}

/// A `planner_cost` budget, checked against `EXPLAIN`'s total cost (PostgreSQL, Redshift).
enum PlannerBudget {
    static func assess(_ budget: Budget, estimates: [String: Double]) throws -> BudgetAssessment {
        guard budget.unit == .plannerCost else { return .unsupported }
        guard let estimate = estimates["planner_total_cost"] else {
            throw BudgetProblem(
                "the warehouse gave no planner estimate to check budget \(budget) against",
                hint: "run EXPLAIN on the model's query in a SQL client to see why")
        }
        return .estimate(estimate, who: "the planner estimates")
    }
}

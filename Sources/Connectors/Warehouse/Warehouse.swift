import SyncCore

/// One opened warehouse of one kind: its read-only session, the SQL it speaks, and what it can do.
/// The runner asks it, never its kind (docs/architecture.md); each kind is one folder of Connectors.
/// Blocking, owned by one thread at a time, like its `connection`.
public protocol Warehouse: AnyObject {
    /// The kind this warehouse was opened as.
    var kind: WarehouseKind { get }

    /// The read-only session model queries stream from.
    var connection: any SourceConnection { get }

    /// The SQL it speaks: key text and byte order, session setup, the measured-cost query.
    var dialect: any SQLDialect { get }

    /// Compiles a model's query without fetching rows and returns its columns.
    /// - Throws: `ConnectorError`, positioned in the model's own text where the kind `compilesInPlace`.
    func compile(_ sql: String, options: QueryOptions) throws -> [Column]

    /// What the warehouse says about `sql` before it runs (docs/cost.md): the relations it reads
    /// with their change counters, and the estimates a budget is checked against.
    /// - Parameters:
    ///   - previousRun: the run whose query the warehouse's history holds (a kind that finds a
    ///     query's tables there reads them by that run's tag).
    ///   - probeSources: false asks only for the estimates.
    /// - Throws: `ConnectorError` when the warehouse refuses `EXPLAIN` or a metadata query.
    func probe(_ sql: String, model: String, previousRun: String?, probeSources: Bool, options: QueryOptions)
        throws -> PreRunProbe

    /// How a budget in `budget`'s unit is kept on this warehouse, before the query.
    /// - Parameter force: the run was forced: nothing is held or capped, and nothing is asked.
    /// - Throws: `BudgetProblem` when the warehouse cannot give what the check needs.
    func assess(_ budget: Budget, estimates: [String: Double], force: Bool, options: QueryOptions) throws
        -> BudgetAssessment

    /// What the warehouse says when it refused a query at the budget it enforces itself; nil for
    /// any other error.
    func budgetRefusal(_ error: ConnectorError) -> String?

    /// Opens the second session a diff inside the warehouse runs its own statements on.
    /// - Throws: `ConnectorError` (`.unsupported` where the kind has no `warehouseDiff`).
    func openScratch(options: QueryOptions) throws -> ScratchConnection

    /// How the least-privilege check reads this warehouse's grants.
    var privileges: PrivilegeInspection { get }
}

extension Warehouse {
    /// What the kind can do.
    public var capabilities: WarehouseCapabilities { kind.capabilities }

    /// The SQL of a diff inside the warehouse, where the kind has one.
    public var diffDialect: (any WarehouseDiffDialect)? {
        capabilities.contains(.warehouseDiff) ? dialect as? any WarehouseDiffDialect : nil
    }

    public func compile(_ sql: String, options: QueryOptions) throws -> [Column] {
        capabilities.contains(.compilesInPlace)
            ? try connection.describe(sql, options: options) : try compileWrapped(sql, options: options)
    }

    /// Compiles `sql` wrapped to return no rows (`SQLDialect.compileOnly`); an error's position is
    /// moved back into `sql`'s own text.
    public func compileWrapped(_ sql: String, options: QueryOptions) throws -> [Column] {
        let sent = dialect.compileOnly(sql)
        do {
            return try connection.describe(sent, options: options)
        } catch var error as ConnectorError {
            error.position = error.position.flatMap { SQLText.position($0, in: sent, of: sql) }
            throw error
        }
    }

    public func probe(_ sql: String, model: String, previousRun: String?, probeSources: Bool, options: QueryOptions)
        throws -> PreRunProbe
    { PreRunProbe() }

    public func assess(_ budget: Budget, estimates: [String: Double], force: Bool, options: QueryOptions) throws
        -> BudgetAssessment
    { .unsupported }

    public func budgetRefusal(_ error: ConnectorError) -> String? { nil }

    public func openScratch(options: QueryOptions) throws -> ScratchConnection {
        throw ConnectorError(.unsupported, "a \(kind.name) source cannot run a diff inside the warehouse")
    }
}

/// What a warehouse learns about a model's query before it runs (docs/cost.md).
public struct PreRunProbe: Sendable {
    /// The relations and counters; nil where the warehouse has no probe or skipping is off.
    public var sources: SourceProbe?
    /// Estimates by measure: `planner_total_cost` (PostgreSQL, Redshift), `bytes_assigned` (Snowflake).
    public var estimates: [String: Double] = [:]
    /// Why the probe could not judge whether the sources changed, where it was asked to and could
    /// not (a catalog function the warehouse refused, a view whose time does not move): such a model
    /// is never skipped, and `validate --connect` says why.
    public var skipUnavailable: String?

    public init(sources: SourceProbe? = nil, estimates: [String: Double] = [:], skipUnavailable: String? = nil) {
        self.sources = sources
        self.estimates = estimates
        self.skipUnavailable = skipUnavailable
    }

    /// Why a run of this query is never skipped, if it is not: `skipUnavailable`, or a clock the
    /// query reads.
    public var neverSkipped: String? {
        if let skipUnavailable { return skipUnavailable }
        if sources?.time == .volatile {
            return "the query reads the time, random values or a function not known to be deterministic"
        }
        return nil
    }
}

/// How a warehouse keeps a model's budget.
public enum BudgetAssessment: Sendable {
    /// The warehouse's estimate before the query, in the budget's unit; `who` says whose (for the
    /// message: "the planner estimates").
    case estimate(Double, who: String)
    /// No estimate: the warehouse stops the query at `timeout`, which `explanation` derives.
    case capped(timeout: Duration, explanation: String)
    /// The warehouse enforces the budget itself while the query runs (opened with the cap).
    case enforcedByWarehouse
    /// The kind has no measure in the budget's unit.
    case unsupported
}

/// Why a budget cannot be checked: what is missing, and what to do.
public struct BudgetProblem: Error, Sendable {
    public var message: String
    public var hint: String

    public init(_ message: String, hint: String) {
        self.message = message
        self.hint = hint
    }
}

import Drivers
import SyncCore

extension WarehouseKind {
    /// Redshift through libpq, rows fetched one at a time (Redshift has no `COPY TO STDOUT`).
    /// Its `SYS_` views record a query's steps some time after it ends, hence the statistics lag.
    public static let redshift = WarehouseKind(
        name: "redshift", connectsWith: ("url", "url = \"postgres://user@host:5439/db\""),
        capabilities: [.skipsUnchanged, .warehouseDiff, .measuresCost, .cancels], budgetUnits: [.plannerCost],
        statisticsLag: .seconds(300), dialect: RedshiftDialect(), open: { try RedshiftWarehouse($0) })
}

/// A Redshift source: `EXPLAIN`'s cost and shape, and the tables the previous run scanned
/// (`SYS_QUERY_DETAIL` by its `query_group`) with their change counters.
public final class RedshiftWarehouse: Warehouse {
    public let source: PostgresSource
    private let settings: WarehouseSettings
    public var kind: WarehouseKind { .redshift }
    public var connection: any SourceConnection { source }
    public let dialect: any SQLDialect = RedshiftDialect()
    public var privileges: PrivilegeInspection { .catalog(RedshiftDialect()) }

    /// - Throws: `ConnectorError` when it cannot connect.
    public init(_ settings: WarehouseSettings) throws {
        self.settings = settings
        source = try PostgresSource(
            url: settings.url?.reveal() ?? "", password: settings.password?.reveal(), mode: .singleRow)
    }

    public func probe(_ sql: String, model: String, previousRun: String?, probeSources: Bool, options: QueryOptions)
        throws -> PreRunProbe
    {
        let lines = try source.firstTexts(RedshiftProbe.explain(sql), options: options)
        var result = PreRunProbe(estimates: [:])
        result.estimates["planner_total_cost"] = RedshiftProbe.totalCost(explainLines: lines)
        guard probeSources else { return result }
        var relations: [String: [Int64]] = [:]
        if let previousRun {
            let label = SessionTag(model: model, runID: previousRun).text
            let ids = try source.collectAll(RedshiftProbe.scannedTables(label: label), options: options)
                .rows.compactMap { ProbeRows.counter($0.first) }
            if let changes = RedshiftProbe.tableChanges(ids) {
                for row in try source.collectAll(changes, options: options).rows {
                    guard let id = ProbeRows.counter(row.first) else { continue }
                    relations["table_id:\(id)"] = row.dropFirst().map { ProbeRows.counter($0) ?? -1 }
                }
            }
        }
        result.sources = SourceProbe(
            relations: relations, time: QueryTimeScan.scan(sql),
            plan: XXH3Digest.hex(of: RedshiftProbe.shape(explainLines: lines)))
        return result
    }

    public func assess(_ budget: Budget, estimates: [String: Double], force: Bool, options: QueryOptions) throws
        -> BudgetAssessment
    {
        try PlannerBudget.assess(budget, estimates: estimates)
    }

    /// A second session; the result table is created from the result's column types.
    public func openScratch(options: QueryOptions) throws -> ScratchConnection {
        let session = try PostgresSource(
            url: settings.url?.reveal() ?? "", password: settings.password?.reveal(), mode: .singleRow)
        return ScratchConnection(session: session, own: options, model: options, stream: options, catalog: session)
    }
}

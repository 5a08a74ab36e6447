import Foundation
import SyncCore

/// A model's budget against the warehouse (docs/cost.md), in the units each warehouse has: the
/// estimate taken before the query where the warehouse can estimate (PostgreSQL and Redshift
/// planner cost, Snowflake `EXPLAIN` bytes), and the warehouse's own cap where it has one
/// (BigQuery maximum bytes billed; a Snowflake statement timeout derived from the credits
/// per hour of the warehouse's size).
enum BudgetCheck {
    /// A cap the warehouse enforces while the query runs.
    struct Cap {
        var timeout: Duration
        var explanation: String
    }

    enum Verdict {
        /// The estimate exceeds the budget: the run is held, with this message.
        case held(String)
        /// No estimate before the query; the warehouse stops it at the cap.
        case capped(Cap)
        case within
    }

    /// The ODBC attribute that caps a BigQuery query's bytes billed (the Google BigQuery ODBC
    /// drivers' `MaximumBytesBilled`); the query fails without charge above it.
    static let bigQueryCapAttribute = "MaximumBytesBilled"

    /// `source` with the warehouse's own cap for `budget` in its connection: a BigQuery bytes
    /// budget appends `MaximumBytesBilled=N` to the ODBC connection string.
    static func capped(_ source: SourceConfig, by budget: Budget?) -> SourceConfig {
        guard source.kind == .bigquery, let budget, budget.unit == .bytes, let odbc = source.odbc else { return source }
        var capped = source
        let text = odbc.reveal()
        let separator = text.hasSuffix(";") || text.isEmpty ? "" : ";"
        capped.odbc = Secret(text + separator + "\(bigQueryCapAttribute)=\(String(format: "%.0f", budget.limit))")
        return capped
    }

    /// Checks `budget` before the query. `estimates` are the probe's.
    /// - Throws: `SyncError` (`.budget`) when the source has no measure in the budget's unit,
    ///   or cannot give the estimate or the warehouse size the check needs.
    static func check(
        _ budget: Budget, model: Model, source: SourceHandle, estimates: [String: Double], force: Bool,
        options: QueryOptions
    ) throws -> Verdict {
        let kind = source.config.kind
        let place = "\(model.file):\(model.headerLines["budget"] ?? 1)"
        func unsupported() -> SyncError {
            SyncError(
                .budget, model: model.name,
                "budget \(budget) (\(place)) is not a unit source \(model.source ?? "?") (\(kind.rawValue)) has",
                hint: BudgetUnits.hint)
        }
        switch (budget.unit, kind) {
        case (.plannerCost, .postgres), (.plannerCost, .redshift):
            guard let estimate = estimates["planner_total_cost"] else {
                throw SyncError(
                    .budget, model: model.name,
                    "the warehouse gave no planner estimate to check budget \(budget) against",
                    hint: "run EXPLAIN on the model's query in a SQL client to see why")
            }
            return held(estimate, "the planner estimates", budget, model, force)
        case (.bytes, .snowflake):
            guard let estimate = estimates["bytes_assigned"] else {
                throw SyncError(
                    .budget, model: model.name, "Snowflake's EXPLAIN gave no bytes to check budget \(budget) against",
                    hint: "run EXPLAIN USING TABULAR on the model's query to see its GlobalStats row")
            }
            return held(estimate, "Snowflake's EXPLAIN assigns", budget, model, force)
        case (.bytes, .bigquery):
            return .within  // capped in the connection (`capped(_:by:)`): BigQuery stops the query.
        case (.credits, .snowflake):
            if force { return .within }
            let warehouse = try source.connection.collectFirstRow(SnowflakeProbe.currentWarehouse, options: options)
            guard case .text(let name)? = warehouse?.first else {
                throw SyncError(
                    .budget, model: model.name, "the session has no warehouse to convert budget \(budget) into time",
                    hint: "set Warehouse= in the source's ODBC connection string")
            }
            let shown = try source.connection.collectAll(SnowflakeProbe.showWarehouse(name), options: options)
            let sizeColumn = shown.columns.firstIndex { $0.lowercased() == "size" }
            guard let sizeColumn, case .text(let size)? = shown.rows.first?[sizeColumn],
                let timeout = SnowflakeProbe.timeout(credits: budget.limit, warehouseSize: size)
            else {
                throw SyncError(
                    .budget, model: model.name, "warehouse \(name) has a size WarehouseSync has no credit rate for",
                    hint: "use a bytes budget (50GB), or a standard warehouse size (X-Small to 6X-Large)")
            }
            return .capped(
                Cap(timeout: timeout, explanation: "\(budget) on a \(size) warehouse (\(name)) is \(timeout) of it"))
        default:
            throw unsupported()
        }
    }

    private static func held(_ estimate: Double, _ who: String, _ budget: Budget, _ model: Model, _ force: Bool)
        -> Verdict
    {
        guard estimate > budget.limit, !force else { return .within }
        let shown =
            budget.unit == .bytes
            ? "\(grouped(estimate)) bytes"
            : "\(grouped(estimate)) \(budget.unit.rawValue)"
        return .held(
            "over budget: \(who) \(shown), more than the budget \(budget); the query was not run and nothing was "
                + "written. If this is intended, raise the budget in \(model.file) or run: warehouse-sync sync "
                + "\(model.name) --force")
    }

    /// The error a query stopped at its budget's cap ends with, or nil when `error` is another.
    static func explain(_ error: ConnectorError, cap: Cap?, model: Model) -> SyncError? {
        let text = "\(error)".lowercased()
        if let cap, error.code == .timeout || text.contains("timeout") || text.contains("timed out") {
            return SyncError(
                .budget, model: model.name,
                "over budget: the warehouse stopped the query at its budget, \(cap.explanation); nothing was written",
                hint: "raise the budget, or run: warehouse-sync sync \(model.name) --force")
        }
        if text.contains("exceeded limit for bytes billed") {
            return SyncError(
                .budget, model: model.name,
                "over budget: BigQuery refused the query above its maximum bytes billed ("
                    + (model.budget.map { "\($0)" } ?? "the budget") + "); it was not charged and nothing was written",
                hint: "raise the budget, or run: warehouse-sync sync \(model.name) --force")
        }
        return nil
    }
}

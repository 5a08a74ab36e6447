import Connectors
import Foundation
import SyncCore

/// A model's budget against the warehouse (docs/cost.md), in the units each warehouse has: the
/// estimate taken before the query where the warehouse can estimate, a statement timeout derived
/// from the budget where it cannot, or the warehouse's own cap (`Warehouse.assess`).
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

    /// Checks `budget` before the query. `estimates` are the probe's.
    /// - Throws: `SyncError` (`.budget`) when the source has no measure in the budget's unit,
    ///   or cannot give the estimate or the warehouse size the check needs.
    static func check(
        _ budget: Budget, model: Model, source: any Warehouse, sourceName: String, estimates: [String: Double],
        force: Bool, options: QueryOptions
    ) throws -> Verdict {
        let assessment: BudgetAssessment
        do {
            assessment = try source.assess(budget, estimates: estimates, force: force, options: options)
        } catch let problem as BudgetProblem {
            throw SyncError(.budget, model: model.name, problem.message, hint: problem.hint)
        }
        switch assessment {
        case .estimate(let estimate, let who):
            return held(estimate, who, budget, model, force)
        case .capped(let timeout, let explanation):
            return force ? .within : .capped(Cap(timeout: timeout, explanation: explanation))
        case .enforcedByWarehouse:
            return .within
        case .unsupported:
            let place = "\(model.file):\(model.headerLines["budget"] ?? 1)"
            throw SyncError(
                .budget, model: model.name,
                "budget \(budget) (\(place)) is not a unit source \(sourceName) (\(source.kind.name)) has",
                hint: WarehouseKind.budgetUnitsHint)
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
    static func explain(_ error: ConnectorError, cap: Cap?, model: Model, warehouse: (any Warehouse)?) -> SyncError? {
        let text = "\(error)".lowercased()
        if let cap, error.code == .timeout || text.contains("timeout") || text.contains("timed out") {
            return SyncError(
                .budget, model: model.name,
                "over budget: the warehouse stopped the query at its budget, \(cap.explanation); nothing was written",
                hint: "raise the budget, or force this run past it",
                remedy: .sync(model: model.name, options: ["--force"]))
        }
        if let refusal = warehouse?.budgetRefusal(error) {
            return SyncError(
                .budget, model: model.name,
                "over budget: " + refusal + " (" + (model.budget.map { "\($0)" } ?? "the budget")
                    + "); it was not charged and nothing was written",
                hint: "raise the budget, or force this run past it",
                remedy: .sync(model: model.name, options: ["--force"]))
        }
        return nil
    }
}

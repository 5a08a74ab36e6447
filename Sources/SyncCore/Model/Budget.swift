/// A model's cost budget (SPEC 10): a limit in one of the warehouse's own units, checked
/// against the warehouse's estimate before the model's query runs.
public struct Budget: Sendable, Hashable, CustomStringConvertible {
    public enum Unit: String, Sendable, Hashable {
        /// PostgreSQL's planner estimate (`EXPLAIN`'s total cost), in its arbitrary cost units.
        case plannerCost = "planner_cost"
    }

    public var limit: Double
    public var unit: Unit

    public init(limit: Double, unit: Unit) {
        self.limit = limit
        self.unit = unit
    }

    /// `200000 planner_cost`; nil for anything else (a unit not built, a number that is not positive).
    public init?(parsing text: String) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let limit = Double(parts[0]), limit.isFinite, limit > 0,
            let unit = Unit(rawValue: String(parts[1]))
        else { return nil }
        self.init(limit: limit, unit: unit)
    }

    public var description: String {
        "\(limit == limit.rounded() && limit < 1e15 ? String(Int64(limit)) : String(limit)) \(unit.rawValue)"
    }
}

import SyncCore

/// Which budget units each kind of source has (docs/cost.md).
enum BudgetUnits {
    static func allowed(_ unit: Budget.Unit, on kind: SourceKind) -> Bool {
        switch unit {
        case .plannerCost: return kind == .postgres || kind == .redshift
        case .bytes: return kind == .snowflake || kind == .bigquery
        case .credits: return kind == .snowflake
        }
    }

    static let hint =
        "planner_cost on postgres and redshift (200000 planner_cost), bytes on snowflake and bigquery (50GB), "
        + "credits on snowflake (0.5 credits)"
}

import Foundation

/// A model's cost budget (docs/cost.md): a limit in one of the warehouse's own units, checked
/// against the warehouse's estimate before the model's query runs and, where the warehouse has
/// one, enforced by its own cap.
public struct Budget: Sendable, Hashable, CustomStringConvertible {
    public enum Unit: String, Sendable, Hashable {
        /// The planner's estimate (`EXPLAIN`'s total cost) in its arbitrary units: PostgreSQL, Redshift.
        case plannerCost = "planner_cost"
        /// Bytes scanned (Snowflake: `EXPLAIN`'s bytes assigned) or billed (BigQuery).
        case bytes
        /// Snowflake credits, enforced through the statement timeout.
        case credits
    }

    public var limit: Double
    public var unit: Unit

    public init(limit: Double, unit: Unit) {
        self.limit = limit
        self.unit = unit
    }

    /// Byte units: decimal (`GB` is 10^9 bytes) and binary (`GiB` is 2^30), as warehouses bill.
    static let byteUnits: [String: Double] = [
        "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15,
        "KIB": 1024, "MIB": 1_048_576, "GIB": 1_073_741_824, "TIB": 1_099_511_627_776,
        "PIB": 1_125_899_906_842_624,
    ]

    /// `200000 planner_cost`, `50GB` (or `50 GB`, `1.5TiB`), `0.5 credits`; nil for anything else
    /// (an unknown unit, a number that is not positive and finite).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = trimmed.prefix { $0.isNumber || $0 == "." }
        let unitText = trimmed.dropFirst(number.count).trimmingCharacters(in: .whitespaces)
        // Below 1e18 in any unit: a limit an integer of the warehouse's holds.
        guard let value = Double(number), value.isFinite, value > 0, value < 1e18 else { return nil }
        switch unitText.lowercased() {
        case "planner_cost": self.init(limit: value, unit: .plannerCost)
        case "credits", "credit": self.init(limit: value, unit: .credits)
        default:
            guard let scale = Self.byteUnits[unitText.uppercased()], value * scale < 1e18 else { return nil }
            self.init(limit: (value * scale).rounded(), unit: .bytes)
        }
    }

    /// `200000 planner_cost`, `0.5 credits`, and bytes in the largest decimal unit: `50 GB`, `1.65 TB`.
    public var description: String {
        if unit == .bytes {
            for (name, scale) in [("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)]
            where limit >= scale {
                return "\(Self.number((limit / scale * 100).rounded() / 100)) \(name)"
            }
            return "\(Self.number(limit)) B"
        }
        return "\(Self.number(limit)) \(unit.rawValue)"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

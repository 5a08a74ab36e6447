/// A source's prices (`price_per_credit`, `price_per_tib`, `price_per_hour`, decimal strings in
/// the user's currency), for the money figures of `cost` (docs/cost.md).
public struct Prices: Sendable, Equatable {
    public var perCredit: Double?
    public var perTiB: Double?
    public var perHour: Double?

    public init(perCredit: Double? = nil, perTiB: Double? = nil, perHour: Double? = nil) {
        self.perCredit = perCredit
        self.perTiB = perTiB
        self.perHour = perHour
    }

    public var isEmpty: Bool { perCredit == nil && perTiB == nil && perHour == nil }

    /// The money a run's cost measures come to: credits × price per credit, bytes billed or
    /// scanned (in TiB, 2^40 bytes) × price per TiB, execution or elapsed time (in hours) × price
    /// per hour; the first measure each price applies to. Nil when no price applies.
    public func money(_ measures: [String: Double]) -> Double? {
        var total: Double?
        func add(_ amount: Double) { total = (total ?? 0) + amount }
        if let perCredit, let credits = measures["estimated_credits"] { add(credits * perCredit) }
        if let perTiB, let bytes = measures["bytes_billed"] ?? measures["bytes_scanned"] {
            add(bytes / 1_099_511_627_776 * perTiB)
        }
        if let perHour, let ms = measures["execution_ms"] ?? measures["elapsed_ms"] { add(ms / 3_600_000 * perHour) }
        return total
    }
}

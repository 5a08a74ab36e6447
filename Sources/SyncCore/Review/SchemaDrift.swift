/// What moved between a snapshot's result schema and a run's (docs/drift-and-plans.md). Pure: the run holds
/// itself when `differences` is not empty and the model does not say `schema: evolve`.
///
/// Type families are `ValueType`s: the connectors map smallint, integer and bigint to `int`;
/// char(n), varchar(n) and text to `text`; real and double precision to `double`; numeric to
/// `decimal`. A move within a family keeps every value's canonical form, so it is not drift.
/// `unknown` (a column whose type the source did not tell and no value showed) is never drift.
public struct SchemaDrift: Sendable, Equatable {
    public enum Difference: Sendable, Equatable {
        case keyRenamed(from: String, to: String)
        case keyType(key: String, from: ValueType, to: ValueType)
        case traitType(trait: String, from: ValueType, to: ValueType)
        /// `profiles` is how many profiles hold a value of the trait, which a run would unset (or,
        /// `kept`, leave: `on_remove: keep`); nil where it is not known (`validate --connect`).
        case traitDropped(trait: String, profiles: Int?, kept: Bool)
    }

    public var differences: [Difference]
    /// Traits the result has that the snapshot had not: always accepted, reported.
    public var newTraits: [String]

    public var isEmpty: Bool { differences.isEmpty }

    /// Compares `current` with `previous`; `droppedProfiles` gives each dropped trait's profile
    /// count, and `keepsDropped` says the model keeps dropped traits on profiles (`on_remove: keep`).
    public init(
        previous: ResultSchema, current: ResultSchema, droppedProfiles: [String: Int]? = nil, keepsDropped: Bool = false
    ) {
        var differences: [Difference] = []
        if previous.key != current.key {
            differences.append(.keyRenamed(from: previous.key, to: current.key))
        }
        if Self.moved(previous.keyType, current.keyType) {
            differences.append(.keyType(key: current.key, from: previous.keyType, to: current.keyType))
        }
        let now = Dictionary(current.traits.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for trait in previous.traits {
            guard let new = now[trait.name] else {
                differences.append(
                    .traitDropped(
                        trait: trait.name, profiles: droppedProfiles.map { $0[trait.name] ?? 0 }, kept: keepsDropped))
                continue
            }
            // An undeclared column's values can move between kinds of number with the data alone.
            let numbersOnly = (trait.inferred || new.inferred) && trait.type.isNumber && new.type.isNumber
            if Self.moved(trait.type, new.type) && !numbersOnly {
                differences.append(.traitType(trait: trait.name, from: trait.type, to: new.type))
            }
        }
        let before = Set(previous.traits.map(\.name))
        self.differences = differences
        self.newTraits = current.traits.map(\.name).filter { !before.contains($0) }
    }

    /// Whether a column moved out of its type family; `unknown` on either side is not a move.
    static func moved(_ from: ValueType, _ to: ValueType) -> Bool {
        from != to && from != .unknown && to != .unknown
    }

    /// One line per difference, e.g. `trait ltv: decimal → text`.
    public var lines: [String] { differences.map(\.description) }

    /// `result schema changed: trait ltv: decimal → text; ...`.
    public var summary: String { "the result's schema changed: " + lines.joined(separator: "; ") }
}

extension SchemaDrift.Difference: CustomStringConvertible {
    public var description: String {
        switch self {
        case .keyRenamed(let from, let to): "key column: \(from) → \(to)"
        case .keyType(let key, let from, let to): "key \(key): \(from.rawValue) → \(to.rawValue)"
        case .traitType(let trait, let from, let to): "trait \(trait): \(from.rawValue) → \(to.rawValue)"
        case .traitDropped(let trait, let profiles, let kept):
            "trait \(trait): no longer in the result"
                + (profiles.map {
                    kept
                        ? " (kept on \(grouped($0)) profile\($0 == 1 ? "" : "s"): on_remove is keep)"
                        : " (would unset \(grouped($0)) profile\($0 == 1 ? "" : "s"))"
                } ?? "")
        }
    }
}

/// A measure rounded and grouped (`1234567.8` as `1,234,568`); beyond what an integer holds (a
/// planner's estimate can be 1e25), in exponent form (`1.5e+25`); not finite, as Swift writes it.
package func grouped(_ value: Double) -> String {
    guard value.isFinite, abs(value) < 9e18 else { return value.isFinite ? String(format: "%.3g", value) : "\(value)" }
    return grouped(Int(value.rounded()))
}

/// `4812` as `4,812`, whatever the process's locale.
package func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

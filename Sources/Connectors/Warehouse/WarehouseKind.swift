import SyncCore

/// One kind of warehouse a source may be (`kind = "..."`): its name, the setting it connects
/// with, what it can do, and how to open it. Each kind's folder declares its own
/// (`WarehouseKind.postgres`, ...); `all` lists them.
public struct WarehouseKind: Sendable, Hashable, CustomStringConvertible {
    /// As a project spells it: `postgres`, `sqlite`, ...
    public let name: String
    /// The setting that says where the warehouse is (`url`, `odbc`, `path`), and an example of it.
    public let connectsWith: (key: String, example: String)
    /// Other settings that say where the warehouse is, each another route to it (Snowflake's `odbc`
    /// beside `account_url`); a source has exactly one of `connectsWith.key` and these.
    public let alternativeSettings: [String]
    public let capabilities: WarehouseCapabilities
    /// The budget units it has (docs/cost.md).
    public let budgetUnits: [Budget.Unit]
    /// How long its change statistics may trail a commit by default; nil for the project's default.
    public let statisticsLag: Duration?
    /// How the kind quotes names, for what is spelled before a warehouse is opened (a dbt
    /// reference's relation, docs/dbt.md); the same dialect its `Warehouse` has.
    public let dialect: any SQLDialect
    private let opener: @Sendable (WarehouseSettings) throws -> any Warehouse
    private let checker: (@Sendable (WarehouseSettings) throws -> Void)?

    public init(
        name: String, connectsWith: (key: String, example: String), alternativeSettings: [String] = [],
        capabilities: WarehouseCapabilities,
        budgetUnits: [Budget.Unit] = [], statisticsLag: Duration? = nil,
        dialect: any SQLDialect = StandardDialect(),
        check: (@Sendable (WarehouseSettings) throws -> Void)? = nil,
        open: @escaping @Sendable (WarehouseSettings) throws -> any Warehouse
    ) {
        self.checker = check
        self.name = name
        self.connectsWith = connectsWith
        self.alternativeSettings = alternativeSettings
        self.capabilities = capabilities
        self.budgetUnits = budgetUnits
        self.statisticsLag = statisticsLag
        self.dialect = dialect
        self.opener = open
    }

    /// Opens a read-only session on the warehouse `settings` describe.
    /// - Throws: `ConnectorError` when it cannot connect.
    public func open(_ settings: WarehouseSettings) throws -> any Warehouse { try opener(settings) }

    /// Checks `settings` as far as it can without connecting (a key file that is a key, the one way
    /// to authenticate), so that `validate` finds what `open` would refuse; nothing for a kind
    /// whose opening is its connection.
    /// - Throws: `ConnectorError` naming the setting and what to write.
    public func check(_ settings: WarehouseSettings) throws { try checker?(settings) }

    /// Every kind, in the order the documentation lists them.
    public static let all: [WarehouseKind] = [.postgres, .redshift, .snowflake, .bigquery, .odbc, .sqlite]

    /// The kind a project names `name`, or nil.
    public static func named(_ name: String) -> WarehouseKind? { all.first { $0.name == name } }

    /// Which kinds have which budget unit, with an example of each:
    /// "planner_cost on postgres and redshift (200000 planner_cost), ...".
    public static var budgetUnitsHint: String {
        let examples: [(Budget.Unit, String)] = [
            (.plannerCost, "200000 planner_cost"), (.bytes, "50GB"), (.credits, "0.5 credits"),
        ]
        return examples.map { unit, example in
            let kinds = all.filter { $0.budgetUnits.contains(unit) }.map(\.name)
            let names = kinds.count > 1 ? kinds.dropLast().joined(separator: ", ") + " and " + kinds.last! : kinds[0]
            return "\(unit.rawValue) on \(names) (\(example))"
        }.joined(separator: ", ")
    }

    public var description: String { name }

    public static func == (a: WarehouseKind, b: WarehouseKind) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

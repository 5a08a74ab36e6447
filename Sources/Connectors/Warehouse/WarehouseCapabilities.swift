/// What a kind of warehouse can do, declared once per kind and asked by the runner (in the style
/// of SQLKit's `SQLDialect` features).
public struct WarehouseCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Compiles a model's query as written (prepare), so an error points into the model's text
    /// and compiling costs nothing; others compile it wrapped to return no rows.
    public static let compilesInPlace = WarehouseCapabilities(rawValue: 1 << 0)
    /// Reads what a query reads and those relations' change counters without running it: an
    /// unchanged model's run can be skipped (docs/cost.md).
    public static let skipsUnchanged = WarehouseCapabilities(rawValue: 1 << 1)
    /// Runs the diff inside the warehouse (`-- diff: warehouse`, docs/warehouse-diff.md).
    public static let warehouseDiff = WarehouseCapabilities(rawValue: 1 << 2)
    /// Reports what a query cost (planner cost, bytes, slot or execution time).
    public static let measuresCost = WarehouseCapabilities(rawValue: 1 << 3)
    /// Stops a running query on the server when a run is cancelled.
    public static let cancels = WarehouseCapabilities(rawValue: 1 << 4)
}

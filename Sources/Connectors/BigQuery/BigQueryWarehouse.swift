import Foundation
import SyncCore

extension WarehouseKind {
    /// BigQuery through Google's ODBC driver (docs/warehouses.md).
    public static let bigquery = WarehouseKind(
        name: "bigquery", connectsWith: ("odbc", "odbc = \"Driver=...;...\" or \"DSN=name\""),
        capabilities: [.skipsUnchanged, .warehouseDiff, .measuresCost, .cancels], budgetUnits: [.bytes],
        open: { try BigQueryWarehouse($0) })
}

/// A BigQuery source: the tables a query reads (its text's and the previous run's job's) with their
/// `last_modified_time`, and a bytes budget kept by BigQuery as the query's maximum bytes billed.
public final class BigQueryWarehouse: Warehouse {
    public let source: ODBCSource
    private let settings: WarehouseSettings
    public var kind: WarehouseKind { .bigquery }
    public var connection: any SourceConnection { source }
    public let dialect: any SQLDialect
    public var privileges: PrivilegeInspection { .catalog(BigQueryDialect(region: settings.region)) }

    /// The ODBC attribute that caps a query's bytes billed (the Google BigQuery ODBC drivers'
    /// `MaximumBytesBilled`); the query fails without charge above it.
    public static let capAttribute = "MaximumBytesBilled"

    /// - Throws: `ConnectorError` when it cannot connect.
    public init(_ settings: WarehouseSettings) throws {
        self.settings = settings
        dialect = BigQueryDialect(region: settings.region)
        source = try ODBCSource(connectionString: Self.connectionString(settings), dialect: dialect)
    }

    /// The settings' connection string, with the bytes cap appended where there is one.
    static func connectionString(_ settings: WarehouseSettings) -> String {
        let text = settings.odbc?.reveal() ?? ""
        guard let cap = settings.maximumBytesBilled else { return text }
        let separator = text.hasSuffix(";") || text.isEmpty ? "" : ";"
        return text + separator + "\(capAttribute)=\(String(format: "%.0f", cap))"
    }

    public func probe(_ sql: String, model: String, previousRun: String?, probeSources: Bool, options: QueryOptions)
        throws -> PreRunProbe
    {
        guard probeSources else { return PreRunProbe() }
        var tables = RelationReferences(sql).relations.filter { (2...3).contains($0.count) }
            .map { $0.joined(separator: ".") }
        if let previousRun {
            tables += try source.firstTexts(
                BigQueryProbe.referencedTables(runID: previousRun, region: settings.region), options: options)
        }
        var relations: [String: [Int64]] = [:]
        if let modified = BigQueryProbe.lastModified(tables) {
            relations = try source.namedCounters(modified, options: options)
        }
        // No plan to digest: a redefined view moves its own last_modified_time.
        return PreRunProbe(sources: SourceProbe(relations: relations, time: QueryTimeScan.scan(sql), plan: ""))
    }

    /// A bytes budget is the connection's maximum bytes billed (`maximumBytesBilled`): BigQuery stops the query.
    public func assess(_ budget: Budget, estimates: [String: Double], force: Bool, options: QueryOptions) throws
        -> BudgetAssessment
    {
        budget.unit == .bytes ? .enforcedByWarehouse : .unsupported
    }

    public func budgetRefusal(_ error: ConnectorError) -> String? {
        "\(error)".lowercased().contains("exceeded limit for bytes billed")
            ? "BigQuery refused the query above its maximum bytes billed" : nil
    }

    public func openScratch(options: QueryOptions) throws -> ScratchConnection {
        let session = try ODBCSource(connectionString: Self.connectionString(settings), dialect: dialect)
        return ScratchConnection(session: session, own: options, model: options, stream: options)
    }
}

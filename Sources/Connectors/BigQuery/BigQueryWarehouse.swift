import Foundation
import SyncCore

extension WarehouseKind {
    /// BigQuery through its REST API v2 (`project`) or Google's ODBC driver (`odbc`) (docs/warehouses.md).
    public static let bigquery = WarehouseKind(
        name: "bigquery",
        connectsWith: ("project", "project = \"my-project\" with credentials_file or token (or odbc = \"DSN=name\")"),
        alternativeSettings: ["odbc"],
        capabilities: [.skipsUnchanged, .warehouseDiff, .measuresCost, .cancels], budgetUnits: [.bytes],
        dialect: BigQueryDialect(),
        // The REST client connects on its first request: making it reads and checks the key file.
        check: { settings in
            _ = try settings.api.map {
                try BigQueryAPISource.client($0, region: settings.region, maximumBytesBilled: nil)
            }
        },
        open: { try BigQueryWarehouse($0) })
}

/// A BigQuery source over the REST API (`project`) or ODBC: the tables a query reads with their last
/// modification, and a bytes budget kept by BigQuery as the query's maximum bytes billed.
public final class BigQueryWarehouse: Warehouse {
    /// The model's session: a `BigQueryAPIConnection` or an `ODBCSource`.
    public let connection: any SourceConnection
    private let route: Route
    private let settings: WarehouseSettings
    public var kind: WarehouseKind { .bigquery }
    public let dialect: any SQLDialect
    public var privileges: PrivilegeInspection { .catalog(BigQueryDialect(region: settings.region)) }

    private enum Route {
        case api(BigQueryAPIClient)
        case odbc(ODBCSource)
    }

    /// The ODBC attribute that caps a query's bytes billed (the Google BigQuery ODBC drivers'
    /// `MaximumBytesBilled`); the query fails without charge above it.
    public static let capAttribute = "MaximumBytesBilled"

    /// Google's REST endpoint, where a source sets no `api_url`.
    public static let defaultAPIURL = "https://bigquery.googleapis.com"

    /// Opens the REST API route when `settings.api` is set, else the ODBC route.
    /// - Throws: `ConnectorError` when it cannot connect, or the credentials or settings are unusable.
    public init(_ settings: WarehouseSettings) throws {
        self.settings = settings
        dialect = BigQueryDialect(region: settings.region)
        if let api = settings.api {
            let client = try BigQueryAPISource.client(
                api, region: settings.region, maximumBytesBilled: settings.maximumBytesBilled)
            route = .api(client)
            connection = BigQueryAPIConnection(client: client, region: settings.region)
        } else {
            let source = try ODBCSource(connectionString: Self.connectionString(settings), dialect: dialect)
            route = .odbc(source)
            connection = source
        }
    }

    /// The settings' connection string, with the bytes cap appended where there is one.
    static func connectionString(_ settings: WarehouseSettings) -> String {
        let text = settings.odbc?.reveal() ?? ""
        guard let cap = settings.maximumBytesBilled else { return text }
        let separator = text.hasSuffix(";") || text.isEmpty ? "" : ";"
        return text + separator + "\(capAttribute)=\(String(format: "%.0f", cap))"
    }

    /// Over the REST API a dry run compiles the query as written; over ODBC it runs wrapped to return no rows.
    public func compile(_ sql: String, options: QueryOptions) throws -> [Column] {
        switch route {
        case .api: try connection.describe(sql, options: options)
        case .odbc: try compileWrapped(sql, options: options)
        }
    }

    /// Over the REST API: the dry run's `bytes_processed` estimate, and the tables the query reads with
    /// their `lastModifiedTime` in milliseconds (tables.get,
    /// https://cloud.google.com/bigquery/docs/reference/rest/v2/tables/get). Over ODBC: the tables of the
    /// text and of the previous run's job with `__TABLES__`' `last_modified_time`.
    /// - Throws: `ConnectorError` when a metadata request fails; a query the dry run refuses is left to
    ///   the run itself (never skipped meanwhile).
    public func probe(_ sql: String, model: String, previousRun: String?, probeSources: Bool, options: QueryOptions)
        throws -> PreRunProbe
    {
        switch route {
        case .api(let client): try apiProbe(sql, client: client, probeSources: probeSources, options: options)
        case .odbc(let source):
            try odbcProbe(sql, source: source, previousRun: previousRun, probeSources: probeSources, options: options)
        }
    }

    /// The dry run's bytes estimate and referenced tables, and each table's `lastModifiedTime`.
    private func apiProbe(_ sql: String, client: BigQueryAPIClient, probeSources: Bool, options: QueryOptions)
        throws -> PreRunProbe
    {
        guard let api = connection as? BigQueryAPIConnection else { return PreRunProbe() }
        let job: BigQueryAPI.Job
        do {
            job = try api.dryRun(sql, options: options)
        } catch let error as ConnectorError where error.code == .query {
            // The query itself reports its error, placed in the model's file: never skipped meanwhile.
            return PreRunProbe()
        }
        var result = PreRunProbe()
        if let bytes = job.statistics?.query?.totalBytesProcessed ?? job.statistics?.totalBytesProcessed,
            let estimate = Double(bytes)
        {
            result.estimates["bytes_processed"] = estimate
        }
        guard probeSources else { return result }
        let context = client.context
        var names = Set(
            RelationReferences(sql).relations.compactMap {
                BigQueryTableProbe.name($0, project: context.project, dataset: context.dataset)
            })
        for table in job.statistics?.query?.referencedTables ?? [] {
            names.insert(.init(project: table.projectId, dataset: table.datasetId, table: table.tableId))
        }
        let counted = BigQueryTableProbe.counters(names) {
            try client.table(project: $0.project, dataset: $0.dataset, table: $0.table, options: options)
        }
        let relations: [String: [Int64]]
        switch counted {
        case .success(let counters): relations = counters
        case .failure(let unjudged):
            result.skipUnavailable = unjudged.reason
            return result
        }
        // No plan to digest: a redefined view is read through its tables, whose times move.
        result.sources = SourceProbe(relations: relations, time: QueryTimeScan.scan(sql), plan: "")
        return result
    }

    private func odbcProbe(
        _ sql: String, source: ODBCSource, previousRun: String?, probeSources: Bool, options: QueryOptions
    ) throws -> PreRunProbe {
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
            || "\(error)".contains("bytesBilledLimitExceeded")
            ? "BigQuery refused the query above its maximum bytes billed" : nil
    }

    /// Over the REST API, a connection whose jobs run in one BigQuery session (its temporary tables
    /// live as long as the session); over ODBC, a second connection.
    public func openScratch(options: QueryOptions) throws -> ScratchConnection {
        switch route {
        case .api(let client):
            let session = BigQueryAPIConnection(client: client, region: settings.region, inSession: true)
            return ScratchConnection(session: session, own: options, model: options, stream: options)
        case .odbc:
            let session = try ODBCSource(connectionString: Self.connectionString(settings), dialect: dialect)
            return ScratchConnection(session: session, own: options, model: options, stream: options)
        }
    }
}

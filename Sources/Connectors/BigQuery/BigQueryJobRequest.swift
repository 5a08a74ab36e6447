import SyncCore

/// The body of jobs.insert for a query (https://cloud.google.com/bigquery/docs/reference/rest/v2/Job):
/// the client-made `jobReference`, and `configuration.query` in GoogleSQL with the source's default
/// dataset, the run's bytes cap, its session, and the run's labels.
struct BigQueryJobRequest: Encodable, Sendable {
    struct DatasetReference: Encodable, Sendable {
        var projectId: String
        var datasetId: String
    }
    struct ConnectionProperty: Encodable, Sendable {
        var key: String
        var value: String
    }
    struct Query: Encodable, Sendable {
        var query: String
        var useLegacySql = false
        var defaultDataset: DatasetReference?
        /// int64 as a decimal string; the job fails without charge above it.
        var maximumBytesBilled: String?
        var createSession: Bool?
        var connectionProperties: [ConnectionProperty]?
    }
    struct Configuration: Encodable, Sendable {
        var query: Query
        var labels: [String: String]?
        var dryRun: Bool?
        /// int64 milliseconds as a decimal string.
        var jobTimeoutMs: String?
    }

    var jobReference: BigQueryAPI.JobReference
    var configuration: Configuration

    /// The label keys a job of a run carries; their values are `BigQueryDialect.label` of the run id and model.
    static let runLabel = "warehouse_sync_run"
    static let modelLabel = "warehouse_sync_model"

    /// The job that runs `sql` as `jobID` under `options` (its tag as labels, its timeout as `jobTimeoutMs`).
    init(
        _ sql: String, jobID: String, context: BigQueryContext, options: QueryOptions, dryRun: Bool = false,
        session: BigQuerySessionUse = .none
    ) {
        jobReference = BigQueryAPI.JobReference(projectId: context.project, jobId: jobID, location: context.location)
        var query = Query(query: sql)
        query.defaultDataset = context.dataset.map { DatasetReference(projectId: context.project, datasetId: $0) }
        query.maximumBytesBilled = context.maximumBytesBilled.map { String(format: "%.0f", $0) }
        switch session {
        case .none: break
        case .create: query.createSession = true
        case .join(let id): query.connectionProperties = [ConnectionProperty(key: "session_id", value: id)]
        }
        var labels: [String: String]?
        if let tag = options.tag {
            labels = [
                Self.runLabel: BigQueryDialect.label(tag.runID), Self.modelLabel: BigQueryDialect.label(tag.model),
            ]
        }
        configuration = Configuration(
            query: query, labels: labels, dryRun: dryRun ? true : nil,
            jobTimeoutMs: options.timeout.map { String($0.milliseconds) })
    }
}

/// Where a job runs in a BigQuery session (https://cloud.google.com/bigquery/docs/sessions-intro).
enum BigQuerySessionUse: Sendable {
    case none
    /// The first job of a session: BigQuery makes one and names it in `statistics.sessionInfo`.
    case create
    /// A later job of session `id` (`connectionProperties` `session_id`).
    case join(String)
}

/// The project, location, default dataset and bytes cap every job of a source runs with.
struct BigQueryContext: Sendable {
    var project: String
    var location: String?
    var dataset: String?
    var maximumBytesBilled: Double?
}

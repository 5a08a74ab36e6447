import Foundation

/// The bodies BigQuery's REST API v2 answers with (https://cloud.google.com/bigquery/docs/reference/rest/v2):
/// a `Job` (jobs.insert, jobs.get, jobs.cancel's `job`), a `GetQueryResultsResponse`, a `Table`
/// (tables.get), and the error envelope of a 4xx or 5xx answer. int64 fields arrive as JSON strings.
enum BigQueryAPI {
    /// An `ErrorProto`: `reason` (`invalidQuery`, `notFound`, `backendError`, ...), `message`, `location`.
    struct ErrorProto: Decodable, Sendable {
        var reason: String?
        var message: String?
        var location: String?
    }

    /// The body of an error answer: `{"error": {"code", "message", "errors": [ErrorProto], "status"}}`.
    struct ErrorEnvelope: Decodable {
        struct Body: Decodable {
            var code: Int?
            var message: String?
            var errors: [ErrorProto]?
            var status: String?
        }
        var error: Body
    }

    struct JobReference: Codable, Sendable {
        var projectId: String
        var jobId: String
        var location: String?
    }

    /// A job resource (https://cloud.google.com/bigquery/docs/reference/rest/v2/Job).
    struct Job: Decodable {
        struct Status: Decodable {
            /// `PENDING`, `RUNNING` or `DONE`.
            var state: String?
            /// Set when the job failed.
            var errorResult: ErrorProto?
            var errors: [ErrorProto]?
        }
        struct Statistics: Decodable {
            struct Query: Decodable {
                var totalBytesProcessed: String?
                var totalBytesBilled: String?
                var totalSlotMs: String?
                var numDmlAffectedRows: String?
                var statementType: String?
                /// The result's schema; a dry run's way to describe a query.
                var schema: Schema?
                var referencedTables: [TableReference]?
            }
            struct SessionInfo: Decodable { var sessionId: String? }
            var totalBytesProcessed: String?
            var totalSlotMs: String?
            var query: Query?
            var sessionInfo: SessionInfo?
        }
        var jobReference: JobReference?
        var status: Status?
        var statistics: Statistics?
    }

    struct TableReference: Decodable, Sendable {
        var projectId: String
        var datasetId: String
        var tableId: String
    }

    /// A result's schema: its fields in order.
    struct Schema: Decodable, Sendable {
        var fields: [Field]?
    }

    /// A `TableFieldSchema`: `type` as the API spells it (`INTEGER` or `INT64`, `RECORD` or `STRUCT`, ...),
    /// `mode` `NULLABLE`, `REQUIRED` or `REPEATED`, and the fields of a `RECORD`.
    struct Field: Decodable, Sendable {
        var name: String
        var type: String
        var mode: String?
        var fields: [Field]?
    }

    /// One page of a query's result (https://cloud.google.com/bigquery/docs/reference/rest/v2/jobs/getQueryResults).
    struct QueryResults: Decodable {
        var jobComplete: Bool?
        var schema: Schema?
        var rows: [Row]?
        var pageToken: String?
        var totalRows: String?
        var numDmlAffectedRows: String?
        /// Errors of the job; an answer that carries any is a failure, even at HTTP 200.
        var errors: [ErrorProto]?
    }

    /// A row: `{"f": [{"v": cell}, ...]}`.
    struct Row: Decodable {
        var f: [Cell]
    }

    /// One cell: `{"v": value}` where the value is a string, null, a list of cells (REPEATED) or a row (RECORD).
    struct Cell: Decodable {
        var v: CellValue
    }

    indirect enum CellValue: Decodable {
        case null
        case text(String)
        case list([Cell])
        case record([Cell])

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let list = try? container.decode([Cell].self) {
                self = .list(list)
            } else if let row = try? container.decode(Row.self) {
                self = .record(row.f)
            } else if let number = try? container.decode(Double.self) {
                self = .text(String(number))
            } else if let bool = try? container.decode(Bool.self) {
                self = .text(bool ? "true" : "false")
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a BigQuery cell")
            }
        }
    }

    /// A table resource's change metadata (https://cloud.google.com/bigquery/docs/reference/rest/v2/tables):
    /// `lastModifiedTime` in milliseconds since the epoch, and `type` (`TABLE`, `VIEW`, ...).
    struct Table: Decodable {
        var lastModifiedTime: String?
        var type: String?
    }

    /// Reads `body` as `T`; nil when it is no JSON of that shape.
    static func decode<T: Decodable>(_ type: T.Type, _ body: Data) -> T? {
        try? JSONDecoder().decode(T.self, from: body)
    }
}

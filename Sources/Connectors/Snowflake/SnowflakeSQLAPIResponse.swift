import Foundation

/// The bodies the Snowflake SQL API answers with (https://docs.snowflake.com/en/developer-guide/sql-api/reference):
/// a `ResultSet` (200), a `QueryStatus` (202, and the body of a 408 or 422 `QueryFailureStatus`), and a
/// later partition (`GET /api/v2/statements/{handle}?partition=N`), which carries only `data`.
struct SnowflakeSQLAPIResponse: Decodable {
    /// Snowflake's own code: `090001` success, `333334` still running, `000604` cancelled, ...
    var code: String?
    var sqlState: String?
    var message: String?
    var statementHandle: String?
    var statementStatusUrl: String?
    var resultSetMetaData: Metadata?
    /// Rows of cells, each the value's text or null.
    var data: [[String?]]?
    /// What a DML statement changed.
    var stats: Stats?

    struct Stats: Decodable {
        var numRowsInserted: Int?
        var numRowsUpdated: Int?
        var numRowsDeleted: Int?
    }

    struct Metadata: Decodable {
        var numRows: Int?
        var format: String?
        var rowType: [RowType]
        /// One entry per partition; snowduck sends null for a result of one partition.
        var partitionInfo: [Partition]?
    }

    /// One result column as the API describes it.
    struct RowType: Decodable {
        var name: String
        /// `fixed`, `real`, `text`, `boolean`, `date`, `time`, `timestamp_ltz`, `timestamp_ntz`,
        /// `timestamp_tz`, `variant`, `object`, `array`, `binary` (any case).
        var type: String
        var scale: Int?
        var nullable: Bool?
        /// The most characters a text column holds: at least 1 on Snowflake; 0 where the server did
        /// not say the type (snowduck 0.3.0 calls every column TEXT, with length 0 for non-text ones).
        var length: Int? = nil
        var precision: Int? = nil

        /// The type the cells are decoded by: `type`, or for a text column of length 0 `fixed` (with a
        /// precision) or `untyped`.
        var decodedType: String {
            guard type.lowercased() == "text", length == 0 else { return type }
            return (precision ?? 0) > 0 ? "fixed" : "untyped"
        }
    }

    struct Partition: Decodable {
        var rowCount: Int
    }

    /// How many partitions the result has: `partitionInfo`'s count, or 1 where it is absent.
    var partitionCount: Int { max(resultSetMetaData?.partitionInfo?.count ?? 1, 1) }

    /// Reads a body; nil when it is no JSON object of this shape.
    static func decode(_ body: Data) -> SnowflakeSQLAPIResponse? {
        try? JSONDecoder().decode(SnowflakeSQLAPIResponse.self, from: body)
    }
}

import Foundation
import TestSupport
import Testing

@testable import Connectors
@testable import SyncCore

/// getQueryResults' documented f/v encoding (`useInt64Timestamp`,
/// https://cloud.google.com/bigquery/docs/reference/rest/v2/jobs/getQueryResults) decoded into
/// canonical values, nested REPEATED and RECORD fields as JSON text.
@Suite struct BigQueryAPIValuesTests {
    /// A page as BigQuery documents it: one row of every type, and a row of nulls and empty arrays.
    static let documented = #"""
        {"kind":"bigquery#getQueryResultsResponse","jobReference":{"projectId":"p","jobId":"j","location":"US"},
         "jobComplete":true,"totalRows":"2","totalBytesProcessed":"1024","cacheHit":false,
         "schema":{"fields":[
          {"name":"id","type":"INTEGER","mode":"REQUIRED"},
          {"name":"amount","type":"NUMERIC","mode":"NULLABLE"},
          {"name":"huge","type":"BIGNUMERIC","mode":"NULLABLE"},
          {"name":"ratio","type":"FLOAT","mode":"NULLABLE"},
          {"name":"active","type":"BOOLEAN","mode":"NULLABLE"},
          {"name":"name","type":"STRING","mode":"NULLABLE"},
          {"name":"raw","type":"BYTES","mode":"NULLABLE"},
          {"name":"born","type":"DATE","mode":"NULLABLE"},
          {"name":"local","type":"DATETIME","mode":"NULLABLE"},
          {"name":"at","type":"TIME","mode":"NULLABLE"},
          {"name":"ts","type":"TIMESTAMP","mode":"NULLABLE"},
          {"name":"doc","type":"JSON","mode":"NULLABLE"},
          {"name":"place","type":"GEOGRAPHY","mode":"NULLABLE"},
          {"name":"tags","type":"INTEGER","mode":"REPEATED"},
          {"name":"pair","type":"RECORD","mode":"NULLABLE",
           "fields":[{"name":"a","type":"INTEGER"},{"name":"b","type":"STRING"}]},
          {"name":"pairs","type":"RECORD","mode":"REPEATED",
           "fields":[{"name":"a","type":"INTEGER"},{"name":"at","type":"TIMESTAMP"}]}]},
         "rows":[
          {"f":[{"v":"42"},{"v":"12345.678901234"},{"v":"123456789012345678901234567890.5"},{"v":"1.5"},
                {"v":"true"},{"v":"héllo"},{"v":"q80="},{"v":"2024-01-02"},{"v":"2024-01-02T03:04:05.123450"},
                {"v":"13:14:15.500000"},{"v":"1704164645123456"},{"v":"{\"k\":[1,2]}"},{"v":"POINT(1 2)"},
                {"v":[{"v":"1"},{"v":"2"}]},{"v":{"f":[{"v":"1"},{"v":"x\"y"}]}},
                {"v":[{"v":{"f":[{"v":"1"},{"v":"0"}]}},{"v":{"f":[{"v":"2"},{"v":null}]}}]}]},
          {"f":[{"v":"-7"},{"v":null},{"v":null},{"v":"NaN"},{"v":"false"},{"v":null},{"v":null},{"v":null},
                {"v":"2024-01-02T03:04:05"},{"v":null},{"v":"-1500000"},{"v":null},{"v":null},{"v":[]},
                {"v":null},{"v":[]}]}]}
        """#

    @Test func everyDocumentedTypeDecodesIntoItsCanonicalValue() throws {
        let page = try #require(BigQueryAPI.decode(BigQueryAPI.QueryResults.self, Data(Self.documented.utf8)))
        let fields = try #require(page.schema?.fields)
        let rows = try #require(page.rows).map { row in
            zip(row.f, fields).map { BigQueryAPIValues.value($0.v, field: $1) }
        }
        #expect(
            BigQueryAPIConnection.columns(fields).map(\.type) == [
                .int, .decimal, .decimal, .double, .bool, .text, .bytes, .date, .timestamp, .text, .timestampTZ,
                .json, .text, .json, .json, .json,
            ])
        #expect(
            rows[0] == [
                .int(42), .decimal("12345.678901234"), .decimal("123456789012345678901234567890.5"), .double(1.5),
                .bool(true), .text("héllo"), .bytes([0xAB, 0xCD]), .date("2024-01-02"),
                .timestamp("2024-01-02T03:04:05.12345"), .text("13:14:15.5"),
                .timestampTZ("2024-01-02T03:04:05.123456Z"), .json(#"{"k":[1,2]}"#), .text("POINT(1 2)"),
                .json("[1,2]"), .json(#"{"a":1,"b":"x\"y"}"#),
                .json(#"[{"a":1,"at":"1970-01-01T00:00:00Z"},{"a":2,"at":null}]"#),
            ])
        #expect(rows[1][0] == .int(-7) && rows[1][1] == .null && rows[1][9] == .null)
        #expect(rows[1][3].isNaN)
        #expect(rows[1][8] == .timestamp("2024-01-02T03:04:05"))
        // An instant before the epoch: -1.5 s.
        #expect(rows[1][10] == .timestampTZ("1969-12-31T23:59:58.5Z"))
        #expect(rows[1][13] == .json("[]") && rows[1][14] == .null && rows[1][15] == .json("[]"))
    }

    @Test func nestedValuesAreValidJSON() throws {
        let page = try #require(BigQueryAPI.decode(BigQueryAPI.QueryResults.self, Data(Self.documented.utf8)))
        let fields = try #require(page.schema?.fields)
        for row in page.rows ?? [] {
            for (cell, field) in zip(row.f, fields) {
                guard case .json(let text) = BigQueryAPIValues.value(cell.v, field: field) else { continue }
                #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil)
            }
        }
    }

    @Test(arguments: [
        ("1704164645123456", "2024-01-02T03:04:05.123456Z"), ("0", "1970-01-01T00:00:00Z"),
        ("1.704164645123456E9", "2024-01-02T03:04:05.123456Z"), ("-1", "1969-12-31T23:59:59.999999Z"),
    ])
    func aTimestampIsMicrosecondsOrFloatSecondsSinceTheEpoch(cell: String, instant: String) {
        #expect(BigQueryAPIValues.timestamp(cell) == instant)
    }
}

extension Value {
    fileprivate var isNaN: Bool { if case .double(let d) = self { d.isNaN } else { false } }
}

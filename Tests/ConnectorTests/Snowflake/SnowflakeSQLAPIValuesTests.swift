import Foundation
import TestSupport
import Testing

@testable import Connectors
@testable import SyncCore

/// The SQL API's documented answer (typed `rowType`, epoch formats;
/// https://docs.snowflake.com/en/developer-guide/sql-api/handling-responses) and snowduck's (every
/// column `TEXT`), decoded into canonical values.
@Suite struct SnowflakeSQLAPIValuesTests {
    /// A `ResultSet` as Snowflake documents it: one row of every rowType, and a row of nulls.
    static let documented = #"""
        {"code":"090001","sqlState":"00000","message":"Statement executed successfully.",
         "statementHandle":"01b2c3d4-0000-0001-0000-000100020003","statementStatusUrl":"/api/v2/statements/01b2c3d4",
         "resultSetMetaData":{"numRows":2,"format":"jsonv2",
          "partitionInfo":[{"rowCount":2,"uncompressedSize":400,"compressedSize":200}],
          "rowType":[
           {"name":"ID","database":"DB","schema":"PUBLIC","table":"T","type":"fixed","precision":38,"scale":0,
            "nullable":false},
           {"name":"BIG","type":"fixed","precision":38,"scale":0,"nullable":true},
           {"name":"AMOUNT","type":"fixed","precision":12,"scale":2,"nullable":true},
           {"name":"RATIO","type":"real","nullable":true},
           {"name":"NAME","type":"text","length":16777216,"byteLength":16777216,"nullable":true},
           {"name":"ACTIVE","type":"boolean","nullable":true},
           {"name":"BORN","type":"date","nullable":true},
           {"name":"AT_TIME","type":"time","scale":9,"nullable":true},
           {"name":"NTZ","type":"timestamp_ntz","scale":9,"nullable":true},
           {"name":"LTZ","type":"timestamp_ltz","scale":9,"nullable":true},
           {"name":"TZ","type":"timestamp_tz","scale":9,"nullable":true},
           {"name":"DOC","type":"variant","nullable":true},
           {"name":"OBJ","type":"object","nullable":true},
           {"name":"ARR","type":"array","nullable":true},
           {"name":"RAW","type":"binary","nullable":true},
           {"name":"ltvScore","type":"fixed","scale":0,"nullable":true}]},
         "data":[
          ["1","123456789012345678901234567890","12345.67","1.5","héllo","true","19724","82919.123000000",
           "1704164645.123456000","1704164645.000000000","1704157445.000000000 1560",
           "{\n  \"k\": [\n    1,\n    2\n  ]\n}",
           "{\n  \"a\": 1\n}","[\n  1,\n  2\n]","ABCD","7"],
          ["2",null,null,null,null,"false","-1","0.000000000","-1.500000000",null,null,null,null,null,null,null]]}
        """#

    @Test func theDocumentedRowTypesDecodeToCanonicalValues() throws {
        let answer = try #require(SnowflakeSQLAPIResponse.decode(Data(Self.documented.utf8)))
        let rowType = try #require(answer.resultSetMetaData?.rowType)
        let columns = SnowflakeSQLAPIConnection.columns(rowType)
        #expect(columns.map(\.name).prefix(3) == ["id", "big", "amount"])
        #expect(columns.last?.name == "ltvScore")
        #expect(
            columns.map(\.type)
                == [
                    .int, .int, .decimal, .double, .text, .bool, .date, .text, .timestamp, .timestampTZ, .timestampTZ,
                    .json, .json, .json, .bytes, .int,
                ])
        let rows = (answer.data ?? []).map { row in
            zip(row, rowType).map { SnowflakeSQLAPIValues.value($0, type: $1.type, scale: $1.scale) }
        }
        #expect(
            rows[0]
                == [
                    .int(1), .decimal("123456789012345678901234567890"), .decimal("12345.67"), .double(1.5),
                    .text("héllo"), .bool(true), .date("2024-01-02"), .text("23:01:59.123"),
                    .timestamp("2024-01-02T03:04:05.123456"), .timestampTZ("2024-01-02T03:04:05Z"),
                    .timestampTZ("2024-01-02T01:04:05Z"), .json("{\n  \"k\": [\n    1,\n    2\n  ]\n}"),
                    .json("{\n  \"a\": 1\n}"), .json("[\n  1,\n  2\n]"), .bytes([0xAB, 0xCD]), .int(7),
                ])
        #expect(rows[1][5] == .bool(false))
        #expect(rows[1][6] == .date("1969-12-31"))
        #expect(rows[1][7] == .text("00:00:00"))
        #expect(rows[1][8] == .timestamp("1969-12-31T23:59:58.5"))
        #expect(rows[1][1] == .null && rows[1][15] == .null)
    }

    @Test func snowducksUntypedColumnsAreReadByTheirValues() throws {
        // snowduck 0.3.0 types every column TEXT (length 0 where it is not text) and sends Python's str().
        let rowType = [
            SnowflakeSQLAPIResponse.RowType(
                name: "FLAG", type: "TEXT", scale: 0, nullable: true, length: 0, precision: 0),
            SnowflakeSQLAPIResponse.RowType(
                name: "N", type: "TEXT", scale: 2, nullable: true, length: 0, precision: 38),
            SnowflakeSQLAPIResponse.RowType(
                name: "S", type: "TEXT", scale: 0, nullable: true, length: 20, precision: 0),
        ]
        #expect(SnowflakeSQLAPIConnection.columns(rowType).map(\.type) == [.unknown, .decimal, .text])
        #expect(rowType.map(\.decodedType) == ["untyped", "fixed", "TEXT"])
        #expect(SnowflakeSQLAPIValues.value("True", type: "untyped", scale: 0) == .bool(true))
        #expect(SnowflakeSQLAPIValues.value("False", type: "untyped", scale: 0) == .bool(false))
        #expect(SnowflakeSQLAPIValues.value("2024-01-02", type: "untyped", scale: 0) == .text("2024-01-02"))
        #expect(SnowflakeSQLAPIValues.value("True", type: "TEXT", scale: 0) == .text("True"))
        #expect(SnowflakeSQLAPIValues.value("True", type: "boolean", scale: nil) == .bool(true))
        #expect(SnowflakeSQLAPIValues.value("2024-01-02", type: "date", scale: nil) == .date("2024-01-02"))
        #expect(
            SnowflakeSQLAPIValues.value("2024-01-02 03:04:05.123456", type: "timestamp_ntz", scale: 9)
                == .timestamp("2024-01-02T03:04:05.123456"))
        #expect(
            SnowflakeSQLAPIValues.value("2024-01-02 03:04:05+00:00", type: "timestamp_ltz", scale: 9)
                == .timestampTZ("2024-01-02T03:04:05Z"))
    }

    @Test(arguments: ["", "x", "1.2.3", "99999999999999999999", "1e5", "-", "12:00"])
    func hostileEpochTextStaysText(_ cell: String) {
        for type in ["date", "time", "timestamp_ntz", "timestamp_tz"] {
            if case .text(let text) = SnowflakeSQLAPIValues.value(cell, type: type, scale: 9) {
                #expect(text == cell)
            }
        }
        #expect(SnowflakeSQLAPIValues.value("ABC", type: "binary", scale: nil) == .text("ABC"))
    }

    @Test func epochArithmeticCoversLeapYearsAndFarDates() {
        #expect(EpochText.date(days: 0) == "1970-01-01")
        #expect(EpochText.date(days: 11_016) == "2000-02-29")
        #expect(EpochText.date(days: 2_932_896) == "9999-12-31")
        #expect(EpochText.date(days: -719_528) == "0000-01-01")
        #expect(
            EpochText.timestamp(EpochText.Seconds(whole: 253_402_300_799, nanos: 1))
                == "9999-12-31T23:59:59.000000001")
    }
}

/// Snowflake folds unquoted names to upper case; the SQL API connection reads such names in lower case,
/// and the dialect quotes them back upper-cased, so `-- key: user_id` names `USER_ID` both ways.
@Suite struct SnowflakeNameFoldingTests {
    @Test(arguments: [
        ("USER_ID", "user_id", "\"USER_ID\""), ("ltvScore", "ltvScore", "\"ltvScore\""), ("1", "1", "\"1\""),
        ("LTV_2024", "ltv_2024", "\"LTV_2024\""), ("ltv score", "ltv score", "\"ltv score\""),
    ])
    func namesRoundTrip(result: String, read: String, quoted: String) {
        #expect(SnowflakeNames.resultName(result) == read)
        #expect(SnowflakeDialect().quote(identifier: read) == quoted)
    }

    @Test func theODBCRoutesResultIsFoldedTheSameWay() throws {
        var folded = SnowflakeFoldedReceiver(inner: CollectingReceiver())
        try folded.columns([Column(name: "USER_ID", type: .text), Column(name: "ltvScore", type: .int)])
        try folded.row([.text("u1"), .int(3)])
        #expect(folded.inner.columns.map(\.name) == ["user_id", "ltvScore"])
        #expect(folded.inner.rows == [[.text("u1"), .int(3)]])
    }
}

import Connectors
import Drivers
import Foundation
import SyncCore
import TestSupport
import Testing

@Suite struct PostgresTypesTests {
    static let modes: [PostgresSource.FetchMode] = [.copy, .singleRow]

    @Test(arguments: modes)
    func everyTypeRoundTrips(mode: PostgresSource.FetchMode) throws {
        let source = try PostgresSource(url: try TestPostgres.url(), mode: mode)
        let result = try source.collect(
            """
            SELECT true AS b, 42::int2 AS i2, -7::int4 AS i4, 9223372036854775807::int8 AS i8,
                   1.5::float4 AS f4, 0.1::float8 AS f8,
                   1234567890123456789012345678.1234567890::numeric(38,10) AS exact,
                   'héllo wörld ✓ 日本'::text AS t, 'tab\tnew\nline\\back'::varchar AS escapes,
                   '2024-02-29'::date AS d, '2024-02-29 23:59:58.123456'::timestamp AS ts,
                   '2024-03-31 01:30:00+02'::timestamptz AS tstz,
                   '{"a": [1, 2.50, null]}'::jsonb AS jb, '{"x":1}'::json AS j,
                   ARRAY[1, NULL, 3]::int[] AS ints, ARRAY['a b', 'c"d', NULL, 'NULL']::text[] AS texts,
                   '\\x00ff10'::bytea AS raw, NULL::text AS nothing, '12:30'::time AS unknown_as_text
            """)
        #expect(
            result.columns.map(\.type) == [
                .bool, .int, .int, .int, .double, .double, .decimal, .text, .text,
                .date, .timestamp, .timestampTZ, .json, .json, .array, .array, .bytes, .text, .unknown,
            ])
        let row = try #require(result.rows.first)
        #expect(
            row == [
                .bool(true), .int(42), .int(-7), .int(Int64.max), .double(1.5), .double(0.1),
                .decimal("1234567890123456789012345678.1234567890"),
                .text("héllo wörld ✓ 日本"), .text("tab\tnew\nline\\back"),
                .date("2024-02-29"), .timestamp("2024-02-29T23:59:58.123456"), .timestampTZ("2024-03-30T23:30:00Z"),
                .json(#"{"a": [1, 2.50, null]}"#), .json(#"{"x":1}"#),
                .array([.int(1), .null, .int(3)]), .array([.text("a b"), .text("c\"d"), .null, .text("NULL")]),
                .bytes([0x00, 0xff, 0x10]), .null, .text("12:30:00"),
            ])
    }

    /// Every array is a JSON array of its elements' canonical values, whatever its element type:
    /// an enum, a domain (over a scalar or an array: then nested arrays), a composite, a range. A
    /// domain reads as its base type; a range keeps its text.
    @Test(arguments: modes)
    func userDefinedTypesAndTheirArraysReadAsTheirBaseTypes(mode: PostgresSource.FetchMode) throws {
        let database = try TestPostgres.freshDatabase("types")
        try PGConnection(conninfo: database.url).execute(
            """
            CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE DOMAIN posint AS int CHECK (VALUE > 0);
            CREATE DOMAIN intlist AS int[]; CREATE TYPE pair AS (n int, s text); CREATE DOMAIN moods AS mood[];
            """)
        let source = try PostgresSource(url: database.url, mode: mode)
        let result = try source.collect(
            """
            SELECT ARRAY['sad', 'ok']::mood[] AS enums, 5::posint AS domain, ARRAY[1, 2]::posint[] AS domains,
                '{3,4}'::intlist AS domain_array, ARRAY[ROW(1, 'x y')::pair, NULL] AS composites,
                ARRAY['[1,3)'::int4range] AS ranges, '[1,3)'::int4range AS range, '{ok}'::moods AS enum_domain,
                'ok'::mood AS enum, ARRAY['{3,4}'::intlist, '{5}'::intlist] AS domain_arrays,
                ARRAY['{ok,sad}'::moods] AS enum_domain_arrays
            """)
        #expect(
            result.columns.map(\.type) == [
                .array, .int, .array, .array, .array, .array, .unknown, .array, .unknown, .array, .array,
            ])
        #expect(
            result.rows.first == [
                .array([.text("sad"), .text("ok")]), .int(5), .array([.int(1), .int(2)]), .array([.int(3), .int(4)]),
                .array([.text("(1,\"x y\")"), .null]), .array([.text("[1,3)")]), .text("[1,3)"),
                .array([.text("ok")]), .text("ok"), .array([.array([.int(3), .int(4)]), .array([.int(5)])]),
                .array([.array([.text("ok"), .text("sad")])]),
            ])
    }

    @Test(arguments: modes)
    func largeTextAndNullsSurvive(mode: PostgresSource.FetchMode) throws {
        let source = try PostgresSource(url: try TestPostgres.url(), mode: mode)
        let result = try source.collect(
            "SELECT repeat('é', 524288) AS big, NULL::numeric AS n, NULL::int[] AS a, NULL::bool AS b")
        let row = try #require(result.rows.first)
        guard case .text(let big) = row[0] else {
            Issue.record("expected text, got \(row[0])")
            return
        }
        #expect(big.utf8.count == 1_048_576)
        #expect(big.allSatisfy { $0 == "é" })
        #expect(row[1...] == [.null, .null, .null])
    }

    @Test func numericStaysExactBeyondDouble() throws {
        let source = try PostgresSource(url: try TestPostgres.url())
        let result = try source.collect(
            "SELECT x::numeric(38,10) AS v FROM (VALUES ('0.1000000001'), ('9999999999999999999999999999.9999999999'), "
                + "('-0.0000000001')) v(x)"
        )
        #expect(
            result.rows.map { $0[0] } == [
                .decimal("0.1000000001"), .decimal("9999999999999999999999999999.9999999999"),
                .decimal("-0.0000000001"),
            ])
    }
}

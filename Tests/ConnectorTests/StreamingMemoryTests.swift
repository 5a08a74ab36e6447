import Connectors
import Drivers
import Foundation
import SyncCore
import TestSupport
import Testing

/// Counts rows and watches resident memory while a large result streams.
struct MemoryWatchingReceiver: RowReceiver {
    var rows = 0
    var residentAtStart = 0
    var residentAtTenth = 0
    var peakResident = 0
    var sum: Int64 = 0
    let expected: Int

    mutating func columns(_ columns: [Column]) throws { residentAtStart = residentMemory() }
    mutating func row(_ values: [Value]) throws {
        rows += 1
        if case .int(let v) = values[0] { sum &+= v }
        if rows % 50_000 == 0 {
            let now = residentMemory()
            peakResident = max(peakResident, now)
            if rows == expected / 10 { residentAtTenth = now }
        }
    }
}

/// Memory bounds are read process-wide, so scripts/test.sh runs the `*MemoryTests` suites in a
/// pass of their own, one test at a time.
@Suite(.serialized) struct StreamingMemoryTests {
    @Test(arguments: [PostgresSource.FetchMode.copy, .singleRow])
    func millionRowsStreamInBoundedMemory(mode: PostgresSource.FetchMode) throws {
        let source = try PostgresSource(url: try TestPostgres.url(), mode: mode)
        var receiver = MemoryWatchingReceiver(expected: 1_000_000)
        let stats = try source.stream(
            """
            SELECT g AS id, md5(g::text) AS h, g * 1.25 AS amount, now()::date AS d, g % 2 = 0 AS even, g / 3.0::float8
                AS ratio
            FROM generate_series(1, 1000000) g
            """, options: QueryOptions(), into: &receiver)
        #expect(receiver.rows == 1_000_000)
        #expect(stats.rows == 1_000_000)
        #expect(receiver.sum == 500_000_500_000)
        #expect(stats.bytes > 50_000_000)
        // Memory does not grow with the row count: the last 90% of rows add almost nothing.
        #expect(receiver.peakResident - receiver.residentAtTenth < 20 << 20)
        #expect(receiver.peakResident - receiver.residentAtStart < 100 << 20)
    }

    @Test func manyRowsStreamInBlocks() throws {
        let (_, connectionString, _) = try ODBCTestSources.freshPostgres()
        let source = try ODBCSource(connectionString: connectionString)
        var receiver = MemoryWatchingReceiver(expected: 1_000_000)
        let stats = try source.stream(
            "SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 1000000) g",
            options: QueryOptions(), into: &receiver)
        #expect(stats.rows == 1_000_000)
        #expect(receiver.sum == 500_000_500_000)
        #expect(receiver.peakResident - receiver.residentAtTenth < 20 << 20)
    }

}

import Connectors
import Drivers
import Foundation
import SyncCore
import TestSupport
import Testing

/// Calls `action` once, when the stream reaches `atRow`, then keeps consuming.
struct TriggerReceiver: RowReceiver {
    let atRow: Int
    let action: () -> Void
    var rows = 0
    mutating func columns(_ columns: [Column]) throws {}
    mutating func row(_ values: [Value]) throws {
        rows += 1
        if rows == atRow { action() }
    }
}

@Suite struct PostgresInterruptionTests {
    @Test(arguments: [PostgresSource.FetchMode.copy, .singleRow])
    func terminatedBackendGivesTransientErrorQuickly(mode: PostgresSource.FetchMode) throws {
        let source = try PostgresSource(url: try TestPostgres.url(), mode: mode)
        let pid = try #require(try source.connection.execute("SELECT pg_backend_pid()").text(0, 0))
        let admin = try PGConnection(conninfo: try TestPostgres.url())
        var terminatedAt = ContinuousClock.now
        var receiver = TriggerReceiver(atRow: 10_000) {
            terminatedAt = .now
            _ = try? admin.execute("SELECT pg_terminate_backend(\(pid))")
        }
        let error = try #require(throws: ConnectorError.self) {
            _ = try source.stream(
                "SELECT g, repeat('x', 100) FROM generate_series(1, 1000000000) g",
                options: QueryOptions(), into: &receiver)
        }
        // The rest of the billion rows would stream for minutes; the margin is for a loaded machine.
        #expect(ContinuousClock.now - terminatedAt < .seconds(30))
        #expect(error.isTransient, "\(error)")
        #expect(error.code == .connectionLost)
    }

    @Test func cancellingTheTaskStopsTheQueryOnTheServer() async throws {
        let url = try TestPostgres.url()
        let result = try await expectCancellationReachesServer(
            admin: try PGConnection(conninfo: url), model: "cancel_me"
        ) {
            try PostgresSource(url: url)
        }
        if case .failure(let error as ConnectorError) = result { #expect(error.code == .cancelled) }
    }
}

/// Cancels its token when the columns arrive: after the query compiled, before it runs.
struct CancelAtColumnsReceiver: RowReceiver {
    let token: CancellationToken
    mutating func columns(_ columns: [Column]) throws { token.cancel() }
    mutating func row(_ values: [Value]) throws {}
}

@Suite struct CancelBetweenStatementsTests {
    @Test(arguments: [PostgresSource.FetchMode.copy, .singleRow])
    func aCancelBeforeTheQueryStartsStillStopsIt(mode: PostgresSource.FetchMode) throws {
        let source = try PostgresSource(url: try TestPostgres.url(), mode: mode)
        let token = CancellationToken()
        var receiver = CancelAtColumnsReceiver(token: token)
        let started = ContinuousClock.now
        let error = try #require(throws: ConnectorError.self) {
            _ = try source.stream("SELECT pg_sleep(300)", options: QueryOptions(cancellation: token), into: &receiver)
        }
        #expect(error.code == .cancelled)
        // Far under the statement's 300 s; the margin is for a loaded 2-core machine.
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(try source.collect("SELECT 1 AS ok").rows == [[.int(1)]])
    }
}

/// Polls `condition` every 50 ms for up to 10 seconds.
func waitUntil(_ condition: () throws -> Bool) async throws {
    for _ in 0..<200 {
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("condition not met within 10 seconds")
}

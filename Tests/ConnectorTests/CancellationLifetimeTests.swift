import Foundation
import Synchronization
import Testing

@testable import Connectors
@testable import Drivers
@testable import SyncCore

/// Cancellation never outlives its statement: a slow cancel does not hold the query thread, and
/// an interrupt that comes after the statement ended stops nothing.
@Suite struct CancellationLifetimeTests {
    @Test func stoppingDoesNotWaitForACancelStuckOnAnUnreachableHost() {
        let sends = Mutex(0)
        let canceller = RepeatingCanceller {
            sends.withLock { $0 += 1 }
            Thread.sleep(forTimeInterval: 120)  // a PQcancel to a host that does not answer
        }
        canceller.fire()
        Thread.sleep(forTimeInterval: 0.2)
        let started = ContinuousClock.now
        canceller.stop()
        // Waiting for the stuck send would take two minutes; the margin is for a loaded machine.
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(sends.withLock { $0 } == 1)
    }

    @Test func anInterruptAfterTheStatementEndedDoesNotStopTheNextOne() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ws-int-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try SQLiteDatabase(path: path, create: true)
        let interrupt = database.interruptHandle()
        interrupt.disarm()
        interrupt.send()  // late: the statement it was for has ended
        let statement = try database.prepare(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT count(*) FROM c")
        #expect(try statement.step())
        #expect(statement.int64(0) == 200000)
    }

    @Test func anArmedInterruptStopsTheStatement() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ws-int-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try SQLiteSource(
            path: try {
                _ = try SQLiteDatabase(path: path, create: true)
                return path
            }())
        let token = CancellationToken()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { token.cancel() }
        let error = #expect(throws: ConnectorError.self) {
            try source.collectRows(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", token: token)
        }
        #expect(error?.code == .cancelled)
    }
}

private struct DiscardingReceiver: RowReceiver {
    mutating func columns(_ columns: [Column]) throws {}
    mutating func row(_ values: [Value]) throws {}
}

extension SourceConnection {
    fileprivate func collectRows(_ sql: String, token: CancellationToken) throws {
        var receiver = DiscardingReceiver()
        _ = try stream(sql, options: QueryOptions(cancellation: token), into: &receiver)
    }
}

import Connectors
import Drivers
import Foundation
import SyncCore
import TestSupport
import Testing

/// Runs `SELECT pg_sleep(300)` on a connection `open` makes, inside a task; once the server shows
/// it active, cancels the task and checks that it ended within 60 seconds of the cancel with an
/// error and that the query is gone from the server. Returns how the task ended.
func expectCancellationReachesServer(
    admin: PGConnection, model: String,
    open: @escaping @Sendable () throws -> any SourceConnection
) async throws -> Result<Void, Error> {
    let tag = SessionTag(model: model, runID: UUID().uuidString.prefix(8).lowercased())
    let task = Task {
        try await runBlocking { token in
            _ = try open().collect("SELECT pg_sleep(300)", options: QueryOptions(tag: tag, cancellation: token))
        }
    }
    let activeSQL = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(tag.text)' AND state = 'active'"
    try await waitUntil { try admin.execute(activeSQL).text(0, 0) == "1" }
    let cancelledAt = ContinuousClock.now
    task.cancel()
    let result = await task.result
    // Far under the query's 300 s, so the cancel reached the server; the margin is for a loaded
    // 2-core machine running the whole suite at once (6 s was seen there; alone it takes under 1 s).
    #expect(ContinuousClock.now - cancelledAt < .seconds(60))
    #expect(throws: ConnectorError.self) { try result.get() }
    #expect(try admin.execute(activeSQL).text(0, 0) == "0")
    return result
}

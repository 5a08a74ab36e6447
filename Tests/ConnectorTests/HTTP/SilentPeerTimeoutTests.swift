import Foundation
import Testing

@testable import Connectors
@testable import SyncCore

/// A peer that accepts the connection and never answers (a hung proxy, a half-open firewall): the
/// query's timeout ends the run, with a timeout error, however many attempts the retry policy allows.
@Suite struct SilentPeerTimeoutTests {
    /// A real TCP server on 127.0.0.1 that reads and never writes, and its port.
    static func silentPeer() throws -> (process: Process, port: Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import socket, sys, threading
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
            print(s.getsockname()[1], flush=True)
            held = []
            while True:
                c, _ = s.accept(); held.append(c)
            """,
        ]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(10) { line.append(out.fileHandleForReading.availableData) }
        return (process, Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))!)
    }

    struct Rows: RowReceiver {
        mutating func columns(_ columns: [Column]) throws {}
        mutating func row(_ values: [Value]) throws {}
    }

    @Test(arguments: ["snowflake", "bigquery"])
    func aPeerThatNeverAnswersEndsAtTheQuerysTimeout(kind: String) throws {
        let (peer, port) = try Self.silentPeer()
        defer {
            kill(peer.processIdentifier, SIGKILL)
            peer.waitUntilExit()
        }
        let url = "http://127.0.0.1:\(port)"
        let api =
            kind == "snowflake"
            ? WarehouseAPISettings(url: url, token: Secret("t"))
            : WarehouseAPISettings(url: url, token: Secret("t"), project: "p")
        let warehouse = try #require(WarehouseKind.named(kind)).open(WarehouseSettings(api: api))
        let started = ContinuousClock.now
        var rows = Rows()
        let error = #expect(throws: ConnectorError.self) {
            _ = try warehouse.connection.stream(
                "SELECT 1 AS x", options: QueryOptions(timeout: .seconds(2)), into: &rows)
        }
        #expect(error?.code == .timeout, "\(String(describing: error))")
        // The timeout, its grace of 10 s and a cancel's 15 s at most; not the retry policy's attempts.
        #expect(ContinuousClock.now - started < .seconds(45))
    }
}

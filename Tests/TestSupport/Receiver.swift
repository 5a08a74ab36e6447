import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real HTTP destination on 127.0.0.1 (`Tests/Fixtures/receiver.py`): it records requests,
/// applies each change once per idempotency key, and answers as it is told.
public final class Receiver: @unchecked Sendable {
    // Test helper: used from one test at a time; the process is its only state.
    private let process = Process()
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the receiver; `port` 0 picks a free one (give the old port to restart it there).
    public init(port: Int = 0) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/receiver.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script.path, String(port)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([10]) {
            line += byte
        }
        guard let bound = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the receiver did not start"])
        }
        self.port = bound
    }

    deinit { stop() }

    /// Kills the receiver and waits (at most 5 s) until it is gone, so its port is free again.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    }

    /// Queues answers for the next requests (`"429:2"`, `"500"`, `"drop"`, `"stall:3"`, `"200"`) and
    /// keys to reject with 400; `clear` forgets earlier ones first.
    /// `chaos`: the share of other requests that fail at random (429, 500, a stall, a drop).
    public func control(script: [String] = [], reject: [String] = [], clear: Bool = false, chaos: Double? = nil) throws
    {
        var command: [String: Any] = ["script": script, "reject": reject, "clear": clear]
        if let chaos { command["chaos"] = chaos }
        let body = try JSONSerialization.data(withJSONObject: command)
        _ = try request("/_control", body: body)
    }

    /// What the receiver has: `requests`, `profiles` (key → trait → JSON value), `applied` ([key,
    /// run] in arrival order), `headers`, `duplicates`.
    public func state() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try request("/_state", body: nil)) as? [String: Any] ?? [:]
    }

    private func request(_ path: String, body: Data?) throws -> Data {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = body == nil ? "GET" : "POST"
        request.httpBody = body
        request.timeoutInterval = 10
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Data?
        URLSession.shared.dataTask(with: request) { data, _, _ in
            result = data
            done.signal()
        }.resume()
        done.wait()
        guard let result else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "the receiver did not answer"])
        }
        return result
    }
}

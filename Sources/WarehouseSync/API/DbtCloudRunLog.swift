import Foundation
import Synchronization

/// The dbt Cloud runs whose webhook `serve` has taken, kept in a file of run ids (one per line) under
/// the project's `.warehouse-sync/`, so a delivery repeated (dbt Cloud retries) or replayed, even
/// after a restart, queues nothing the second time (docs/dbt.md). The file keeps the newest
/// `retained` ids: it is cut back to them, atomically, when it holds twice as many.
final class DbtCloudRunLog: Sendable {
    private let path: String
    private let retained: Int
    /// The ids taken, oldest first, and the same as a set; read from the file on first use.
    private let seen: Mutex<(order: [String], set: Set<String>)?> = Mutex(nil)

    init(projectDirectory: URL, retained: Int = 10_000) {
        path = projectDirectory.appendingPathComponent(".warehouse-sync/dbt-cloud-runs").path
        self.retained = retained
    }

    /// Records `runID`; false when it was recorded before.
    /// - Throws: when the file cannot be written (the delivery is then refused, and dbt Cloud retries).
    func firstDelivery(of runID: String) throws -> Bool {
        // One id a line: a run id is dbt Cloud's number, never a line break.
        let runID = runID.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        return try seen.withLock { seen in
            var log = seen ?? read()
            guard !log.set.contains(runID) else { return false }
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            log.order.append(runID)
            log.set.insert(runID)
            if log.order.count > 2 * retained {
                log.order.removeFirst(log.order.count - retained)
                log.set = Set(log.order)
                try rewrite(log.order)
            } else {
                try append(runID)
            }
            seen = log
            return true
        }
    }

    private func read() -> (order: [String], set: Set<String>) {
        let order = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        return (order, Set(order))
    }

    private func append(_ runID: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((runID + "\n").utf8))
    }

    private func rewrite(_ order: [String]) throws {
        let text = order.map { $0 + "\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

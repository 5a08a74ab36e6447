import Foundation
import Synchronization

/// The dbt Cloud runs whose webhook `serve` has taken, kept in a file of run ids (one per line) under
/// the project's `.warehouse-sync/`, so a delivery repeated (dbt Cloud retries) or replayed, even
/// after a restart, queues nothing the second time (docs/dbt.md).
final class DbtCloudRunLog: Sendable {
    private let path: String
    private let seen: Mutex<Set<String>?> = Mutex(nil)

    init(projectDirectory: URL) {
        path = projectDirectory.appendingPathComponent(".warehouse-sync/dbt-cloud-runs").path
    }

    /// Records `runID`; false when it was recorded before.
    /// - Throws: when the file cannot be written (the delivery is then refused, and dbt Cloud retries).
    func firstDelivery(of runID: String) throws -> Bool {
        try seen.withLock { seen in
            if seen == nil {
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                seen = Set(text.split(separator: "\n").map(String.init))
            }
            guard seen?.contains(runID) == false else { return false }
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((runID + "\n").utf8))
            seen?.insert(runID)
            return true
        }
    }
}

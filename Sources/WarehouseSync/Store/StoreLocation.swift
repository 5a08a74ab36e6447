import Foundation

/// Opens the store a project's config names: `sqlite:PATH` (relative to the project
/// directory) or `postgres://...`.
public struct StoreLocation: Sendable {
    public var url: Secret
    public var projectDirectory: URL

    public init(url: Secret, projectDirectory: URL) {
        self.url = url
        self.projectDirectory = projectDirectory
    }

    /// Opens a new connection to the store, migrating its schema if needed.
    public func open() throws -> any Store {
        let text = url.reveal()
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            return try SQLiteStore(path: path.hasPrefix("/") ? path : projectDirectory.appendingPathComponent(path).path)
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") || text.contains("dbname=") || text.contains("host=") {
            return try PostgresStore(conninfo: text)
        }
        throw StoreError("unsupported store url \(url): use sqlite:PATH or postgres://...")
    }
}

import Drivers
import Foundation
import SyncCore

/// Opens the store a project's config names: `sqlite:PATH` (relative to the project
/// directory) or `postgres://...`.
public struct StoreLocation: Sendable {
    public var url: Secret
    public var projectDirectory: URL

    public init(url: Secret, projectDirectory: URL) {
        self.url = url
        self.projectDirectory = projectDirectory
    }

    /// Opens a new connection to the store, migrating its schema if needed; with `readingOnly`
    /// (commands that only read: `runs`, `status`, `profile`, `plan`), nothing is created or
    /// migrated and no write lock is taken when the schema is current.
    /// - Throws: `StoreError` naming the store and saying whether a retry may succeed.
    public func open(readingOnly: Bool = false) throws -> any Store {
        let text = url.reveal()
        let place = self.place
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            let resolved = path.hasPrefix("/") ? path : projectDirectory.appendingPathComponent(path).path
            let store = try Self.classifying(place, isFile: true) {
                readingOnly ? try SQLiteStore(readingOnly: resolved) : try SQLiteStore(path: resolved)
            }
            store.database.place = place
            return store
        }
        if isPostgres {
            let store = try Self.classifying(place, isFile: false) { try PostgresStore(conninfo: text) }
            store.database.place = place
            return store
        }
        throw StoreError(
            "unsupported store url \(url)",
            hint: "[store] url is sqlite:PATH or a postgres:// URL (or a key=value conninfo)", code: .location)
    }

    /// What is wrong with a `[store] url`, or nil: found when the config is read (`validate`), not
    /// when a run first opens the store.
    package static func problem(url: String) -> (message: String, hint: String)? {
        if url.hasPrefix("sqlite:") {
            return url.count > "sqlite:".count
                ? nil : ("the store url sqlite: has no file path", "write sqlite:.warehouse-sync/state.db")
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || url.contains("dbname=")
            || url.contains("host=")
        {
            return PGConnection.conninfoProblem(url).map {
                ("the store url is not a valid PostgreSQL connection string: \($0)", "check [store] url")
            }
        }
        return ("unsupported store url", "[store] url is sqlite:PATH or a postgres:// URL (or a key=value conninfo)")
    }

    /// Whether a SQLite store's file is missing: a project that never ran has no snapshots.
    public var isMissingFile: Bool {
        let text = url.reveal()
        guard text.hasPrefix("sqlite:") else { return false }
        let path = String(text.dropFirst("sqlite:".count))
        return !FileManager.default.fileExists(
            atPath: path.hasPrefix("/") ? path : projectDirectory.appendingPathComponent(path).path)
    }

    private var isPostgres: Bool {
        let text = url.reveal()
        return text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") || text.contains("dbname=")
            || text.contains("host=")
    }

    /// The store as messages name it: its file, or its server's URL without the password.
    public var place: String {
        let text = url.reveal()
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            return path.hasPrefix("/") ? path : projectDirectory.appendingPathComponent(path).path
        }
        return "(PostgreSQL \(url))"
    }

    /// Opens the store, a driver's error classified as the store's: opening and migrating come
    /// before the engine knows its `place`.
    private static func classifying<T>(_ place: String, isFile: Bool, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw StoreError.classified(error, place: place, isFile: isFile)
        }
    }
}

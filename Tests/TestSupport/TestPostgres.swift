import Connectors
import Drivers
import Foundation
import SyncCore

/// The throwaway PostgreSQL that `scripts/throwaway-postgres.sh` starts for the test run.
public enum TestPostgres {
    public struct NotRunning: Error, CustomStringConvertible {
        public var description: String {
            "no throwaway PostgreSQL: run the tests with scripts/test.sh (it starts one and sets "
                + "WS_TEST_PG_HOST/WS_TEST_PG_PORT)"
        }
    }

    public static func socketDirectory() throws -> String {
        guard let host = ProcessInfo.processInfo.environment["WS_TEST_PG_HOST"] else { throw NotRunning() }
        return host
    }

    public static func port() throws -> String {
        guard let port = ProcessInfo.processInfo.environment["WS_TEST_PG_PORT"] else { throw NotRunning() }
        return port
    }

    /// A conninfo for `database` as the superuser over the unix socket.
    public static func url(database: String = "postgres") throws -> String {
        "host=\(try socketDirectory()) port=\(try port()) user=postgres dbname=\(database)"
    }

    /// Creates an empty database of its own for one test or suite and returns its conninfo.
    public static func freshDatabase(_ prefix: String = "t") throws -> (name: String, url: String) {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PGConnection(conninfo: try url())
        try admin.execute("CREATE DATABASE \(name)")
        return (name, try url(database: name))
    }

    /// Creates a login role with a password, for tests that connect over TCP with password auth.
    public static func createRole(password: String, in database: String) throws -> String {
        let role = "reader_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PGConnection(conninfo: try url(database: database))
        try admin.execute(
            "CREATE ROLE \(role) LOGIN PASSWORD \(admin.literal(password)); GRANT pg_read_all_data TO \(role)")
        return role
    }

    /// A conninfo over TCP to 127.0.0.1 for `role`, without its password.
    public static func tcpURL(database: String, role: String) throws -> String {
        "postgresql://\(role)@127.0.0.1:\(try port())/\(database)"
    }
}

/// Resident memory of this process, from /proc/self/status, in bytes.
public func residentMemory() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Int(line.split(separator: " ")[1]) ?? 0) * 1024
}

/// Collects a whole result in memory: for tests over small results only.
public struct CollectingReceiver: RowReceiver {
    public var columns: [Column] = []
    public var rows: [[Value]] = []
    public init() {}
    public mutating func columns(_ columns: [Column]) throws { self.columns = columns }
    public mutating func row(_ values: [Value]) throws { rows.append(values) }
}

extension SourceConnection {
    /// Runs `sql` and returns its columns and rows.
    public func collect(_ sql: String, options: QueryOptions = QueryOptions()) throws -> CollectingReceiver {
        var receiver = CollectingReceiver()
        _ = try stream(sql, options: options, into: &receiver)
        return receiver
    }
}

import Connectors
import Drivers
import Foundation
import SyncCore

/// Connection strings for the two real ODBC drivers Debian ships.
public enum ODBCTestSources {
    /// psqlodbc ("PostgreSQL Unicode") against the throwaway server, over TCP with password auth,
    /// with the settings docs/warehouses.md recommends: real booleans, and a cursor so results stream.
    public static func postgres(database: String, role: String, password: String) throws -> String {
        "Driver={PostgreSQL Unicode};Servername=127.0.0.1;Port=\(try TestPostgres.port());Database=\(database);"
            + "UID=\(role);PWD=\(password);BoolsAsChar=0;UseDeclareFetch=1;Fetch=10000;"
    }

    /// The SQLite3 ODBC driver on a file.
    public static func sqlite(path: String) -> String {
        "Driver=SQLite3;Database=\(path);"
    }

    /// A fresh database with a password role for psqlodbc.
    public static func freshPostgres() throws -> (admin: PGConnection, connectionString: String, password: String) {
        let db = try TestPostgres.freshDatabase("odbc")
        let password = "odbc-pw-\(UUID().uuidString.prefix(8))"
        let role = try TestPostgres.createRole(password: password, in: db.name)
        return (
            try PGConnection(conninfo: db.url), try postgres(database: db.name, role: role, password: password),
            password
        )
    }

    public static func temporarySQLiteFile(_ setup: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ws-\(UUID().uuidString).db").path
        let db = try SQLiteDatabase(path: path, create: true)
        try db.execute(setup)
        return path
    }
}

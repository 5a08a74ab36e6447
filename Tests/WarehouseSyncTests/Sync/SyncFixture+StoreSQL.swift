import Foundation

@testable import Drivers
@testable import Stores

/// Plain SQL on the fixture's store, whichever engine it is, as another system reading it would.
extension SyncFixture {
    /// How the store's engine names its tables and writes its SQL.
    var storeDialect: StoreDialect { storeKind == .sqlite ? .sqlite : .postgres }

    /// The rows `sql` returns from the store, each row's columns as text joined by "|" (NULL as "-").
    func storeRows(_ sql: String) throws -> [String] {
        switch storeKind {
        case .sqlite:
            let db = try SQLiteDatabase(path: String(storeURL.dropFirst("sqlite:".count)))
            let statement = try db.prepare(sql)
            var rows: [String] = []
            while try statement.step() {
                rows.append((0..<statement.columnCount).map { statement.text($0) ?? "-" }.joined(separator: "|"))
            }
            return rows
        case .postgres:
            let result = try PGConnection(conninfo: storeURL).execute(sql)
            return (0..<result.rowCount).map { row in
                (0..<result.columnCount).map { result.text(row, $0) ?? "-" }.joined(separator: "|")
            }
        }
    }

    /// Runs `sql` (one or more statements) on the store.
    func storeExecute(_ sql: String) throws {
        switch storeKind {
        case .sqlite: try SQLiteDatabase(path: String(storeURL.dropFirst("sqlite:".count))).execute(sql)
        case .postgres: try PGConnection(conninfo: storeURL).execute(sql)
        }
    }
}

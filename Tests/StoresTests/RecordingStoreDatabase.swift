import Foundation

@testable import Stores
@testable import SyncCore

/// The store's engine seam with no engine behind it: it records each statement and its values,
/// and answers queries with rows a test scripts, so the SQL `SQLStore` writes once for both
/// engines is checked in each engine's spelling without a database.
class RecordingStoreDatabase: StoreDatabase {
    struct Statement {
        var sql: String
        var values: [StoreValue]
    }

    let dialect: StoreDialect
    var name: String { "recording" }
    var place = "(the recording store)"
    var isFile: Bool { dialect == .sqlite }
    static var migrations: [String] { [] }
    /// Every statement, transaction step included (`BEGIN`, `COMMIT`, `ROLLBACK`), in order.
    private(set) var statements: [Statement] = []
    /// The rows a query returns, by a text its SQL contains; none for any other query.
    var answers: [(containing: String, rows: [[StoreValue]])] = []

    init(dialect: StoreDialect) { self.dialect = dialect }

    func run(_ sql: String, _ values: [StoreValue]) throws -> Int {
        statements.append(Statement(sql: sql, values: values))
        return 1
    }

    func query(_ sql: String, _ values: [StoreValue], _ row: (any StoreRow) throws -> Void) throws {
        statements.append(Statement(sql: sql, values: values))
        for answer in answers where sql.contains(answer.containing) {
            for values in answer.rows { try row(ScriptedRow(values: values)) }
            return
        }
    }

    func runScript(_ sql: String) throws { statements.append(Statement(sql: sql, values: [])) }
    func tableExists(_ table: StoreTable) throws -> Bool { true }
    func columns(of table: StoreTable) throws -> Set<String> { [] }
    func beginWrite() throws { statements.append(Statement(sql: "BEGIN", values: [])) }
    func lockForCommit(model: String) throws { statements.append(Statement(sql: "LOCK \(model)", values: [])) }
    func beginMigration() throws { statements.append(Statement(sql: "BEGIN MIGRATION", values: [])) }
    func readerViews() throws -> [String: Bool] { [:] }
    func lockHolders() throws -> [String] { [] }
    func commitTransaction() throws { statements.append(Statement(sql: "COMMIT", values: [])) }
    func rollback() { statements.append(Statement(sql: "ROLLBACK", values: [])) }

    func changeWriter(
        record: RunRecord, runSeq: Int64, traitNames: [String], previousTraitNames: [String], logChanges: Bool,
        destinations: [String], intoEmptyStore: Bool
    ) throws -> any StoreChangeWriter {
        throw StoreError("the recording store writes no changes")
    }

    func snapshotCursor(model: String, deferringTraits: Bool) throws -> any SnapshotCursor {
        throw StoreError("the recording store has no snapshot")
    }
}

/// One scripted row.
struct ScriptedRow: StoreRow {
    var values: [StoreValue]

    func text(_ column: Int) -> String? {
        if case .text(let text) = values[column] { return text }
        return nil
    }

    func integer(_ column: Int) -> Int64? {
        if case .integer(let value) = values[column] { return value }
        return nil
    }

    func real(_ column: Int) -> Double? {
        switch values[column] {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }

    func blob(_ column: Int) -> [UInt8]? {
        if case .blob(let bytes) = values[column] { return bytes }
        return nil
    }
}

import Foundation
import Testing

@testable import Stores
@testable import SyncCore

/// The store's SQL, written once, in each engine's spelling: checked through the recording seam,
/// without a database (the behaviour suites run it on both engines).
@Suite struct SharedSQLTests {
    static let engines: [StoreDialect] = [.sqlite, .postgres]

    static func record() -> RunRecord {
        var record = RunRecord(
            id: "20270115T080000Z-000001", model: "ltv", source: "wh", trigger: .manual, status: .succeeded,
            startedAt: Date(timeIntervalSince1970: 1e9))
        record.error = "it's fine"
        return record
    }

    @Test(arguments: engines)
    func aRunIsRecordedInOneTransactionWithEveryFieldAsOneParameter(engine: StoreDialect) throws {
        let database = RecordingStoreDatabase(dialect: engine)
        database.answers = [("RETURNING seq", [[.integer(7)]])]
        try SQLStore(database: database).record(Self.record())
        let sql = database.statements.map(\.sql)
        #expect(sql.first == "BEGIN")
        #expect(sql.last == "COMMIT")
        let insert = try #require(database.statements.first { $0.sql.contains("INSERT INTO \(engine.table(.runs))") })
        #expect(insert.values.count == RunRecord.fields.count)
        for field in RunRecord.fields { #expect(insert.sql.contains(field.name), "\(field.name)") }
        let marker = engine == .sqlite ? "?\(RunRecord.fields.count)" : "$\(RunRecord.fields.count)"
        #expect(insert.sql.contains(marker))
        #expect(insert.values.contains(.text("it's fine")), "a value is a parameter, never spliced into the text")
        #expect(!insert.sql.contains("it's fine"))
        let upsert = try #require(database.statements.first { $0.sql.contains("INSERT INTO \(engine.table(.models))") })
        #expect(upsert.values == [.text("ltv"), .text("20270115T080000Z-000001")])
    }

    @Test(arguments: engines)
    func aRunTheEngineGivesNoSequenceNumberIsRefusedAndRolledBack(engine: StoreDialect) throws {
        let database = RecordingStoreDatabase(dialect: engine)
        let error = #expect(throws: StoreError.self) { try SQLStore(database: database).record(Self.record()) }
        #expect(error?.message.contains("no sequence number") == true)
        #expect(database.statements.map(\.sql).last == "ROLLBACK")
    }

    @Test(arguments: engines)
    func aDriverErrorIsClassifiedAtTheSeamAndTheWriteRolledBack(engine: StoreDialect) throws {
        final class FailingDatabase: RecordingStoreDatabaseFailing {}
        let database = FailingDatabase(dialect: engine)
        database.answers = [("RETURNING seq", [[.integer(7)]])]
        let error = #expect(throws: StoreError.self) { try SQLStore(database: database).record(Self.record()) }
        #expect(error?.message.hasPrefix("the store (the recording store): ") == true, "\(String(describing: error))")
        // A server that went away may come back; a SQLite file that fails this way will not.
        #expect(error?.isTransient == (engine == .postgres))
        #expect(error?.errorCode == (engine == .postgres ? "store.connection" : "store.file"))
        #expect(database.statements.map(\.sql).last == "ROLLBACK")
        #expect(!database.statements.contains { $0.sql == "COMMIT" })
    }

    @Test(arguments: engines)
    func theSnapshotInfoIsReadByParameterAndDecoded(engine: StoreDialect) throws {
        let database = RecordingStoreDatabase(dialect: engine)
        database.answers = [
            ("snapshot_rows", [[.text("[\"ltv\",\"tier\"]"), .integer(42), .null, .text("R1"), .null, .null]])
        ]
        let info = try #require(try SQLStore(database: database).snapshotInfo(model: "o'brien"))
        #expect(info.traitNames == ["ltv", "tier"])
        #expect(info.rows == 42)
        #expect(info.run == "R1")
        let query = try #require(database.statements.last)
        #expect(query.values == [.text("o'brien")])
        #expect(query.sql.contains(engine == .sqlite ? "?1" : "$1"))
    }
}

/// The recording seam whose every run loses its connection, as an engine's driver reports it.
class RecordingStoreDatabaseFailing: RecordingStoreDatabase {
    override func run(_ sql: String, _ values: [StoreValue]) throws -> Int {
        _ = try super.run(sql, values)
        return try classifying { throw ConnectorError(.connectionLost, "server closed the connection unexpectedly") }
    }
}

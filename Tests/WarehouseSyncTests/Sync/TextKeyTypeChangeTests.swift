import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Drivers
@testable import SyncCore
@testable import WarehouseSync

/// A model's key column that is `text` when the run compiles the model and of another type when
/// its rows are read (a migration or a dbt rebuild lands between the two): the run reads the keys
/// as the warehouse's text cast of them, as a run started after the change does, or fails without
/// writing; it never stores keys of another spelling (a `char(n)` key's padding) nor fails where
/// the cast read succeeds.
@Suite struct TextKeyTypeChangeTests {
    @Test(arguments: ["char(6)", "integer", "citext"])
    func aKeyWhoseTypeChangesAfterTheCompileIsReadAsItsText(type: String) throws {
        let f = try SyncFixture(store: .sqlite)
        try f.warehouse(
            """
            CREATE EXTENSION IF NOT EXISTS citext;
            CREATE TABLE c (k text, score integer);
            INSERT INTO c SELECT CAST(g AS text), g FROM generate_series(1, 30) g;
            """)
        // Keys whose byte order differs from citext's case-insensitive order.
        if type != "integer" { try f.warehouse("INSERT INTO c VALUES ('B', 100), ('a', 101)") }
        try f.model("m", "-- key: k\n-- skip_unchanged: false\nSELECT k, score FROM c\n")
        let url = f.warehouseURL
        let altered = Mutex(false)
        // The runner reports the "query" phase after the compile, just before it sends the read.
        let runner = SyncRunner(project: try f.project()) { progress in
            guard progress.phase == "query", !altered.withLock({ $0 }) else { return }
            altered.withLock { $0 = true }
            let using = type == "integer" ? " USING CAST(k AS integer)" : ""
            _ = try? PGConnection(conninfo: url).execute("ALTER TABLE c ALTER COLUMN k TYPE \(type)\(using)")
        }
        let model = try #require(try f.project().model(named: "m"))
        let run = try runner.run(model, options: SyncOptions()).record
        #expect(altered.withLock { $0 })
        #expect(run.status == .succeeded)
        let texts = try PGConnection(conninfo: url).execute("SELECT CAST(k AS text) FROM c")
        let expected = Set((0..<texts.rowCount).compactMap { texts.text($0, 0) }.map { Array($0.utf8) })
        #expect(Set(try f.allProfiles().keys.map { Array($0.utf8) }) == expected)
    }
}

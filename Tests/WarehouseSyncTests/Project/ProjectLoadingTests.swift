import Foundation
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// A project directory in /tmp, written from a dictionary of relative paths to contents.
func temporaryProject(_ files: [String: String]) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("ws-project-\(UUID().uuidString)")
    for (path, text) in files {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    return root
}

@Suite struct ProjectLoadingTests {
    static let config = """
        [sources.warehouse]
        kind = "sqlite"
        path = "warehouse.db"
        """

    @Test func singleSourceIsTheDefault() throws {
        let dir = try temporaryProject([
            "warehouse-sync.toml": Self.config, "models/a.sql": "-- key: id\nSELECT 1 AS id, 2 AS x",
        ])
        let project = try Project.load(directory: dir, environment: [:])
        #expect(project.models.map(\.source) == ["warehouse"])
    }

    @Test func crossModelProblemsNameBothFiles() throws {
        let dir = try temporaryProject([
            "warehouse-sync.toml": Self.config + "\n[sources.second]\nkind = \"sqlite\"\npath = \"b.db\"\n",
            "models/a.sql": "-- key: id\n-- source: warehouse\n-- traits: ltv, risk\nSELECT 1",
            "models/b.sql": "-- key: id\n-- source: warehouse\n-- traits: risk\nSELECT 1",
            "models/c.sql": "-- key: id\n-- source: lake\nSELECT 1",
            "models/d.sql": "-- key: id\nSELECT 1",
            "models/ltv.sql": "-- key: id\n-- source: second\n-- kind: segment\nSELECT 1",
        ])
        let errors = try #require(throws: ProjectErrors.self) { try Project.load(directory: dir, environment: [:]) }
        #expect(
            errors.errors.map(\.description) == [
                "models/b.sql:3: trait risk is also written by model a (models/a.sql:3)\n  hint: each trait has one "
                    + "model; rename the column (AS another_name) or drop it from one model",
                "models/c.sql:2: source lake is not in warehouse-sync.toml\n  hint: the sources are second, warehouse",
                "models/d.sql:1: model d has no source and the config has 2\n  hint: add -- source: NAME (one of "
                    + "second, warehouse)",
                "models/ltv.sql:1: trait ltv is also written by model a (models/a.sql:3)\n  hint: each trait has one "
                    + "model; rename the column (AS another_name) or drop it from one model",
            ])
    }

    @Test func missingConfigAndModelsAreReported() throws {
        let dir = try temporaryProject(["README": "empty"])
        let errors = try #require(throws: ProjectErrors.self) { try Project.load(directory: dir, environment: [:]) }
        #expect(errors.errors.map(\.file) == ["models", "warehouse-sync.toml"])
    }

    @Test func aWarehouseSideDiffNeedsAWarehouseWithAScratchSchema() throws {
        let sources =
            Self.config + "\n[sources.pg]\nkind = \"postgres\"\nurl = \"postgres://h/db\"\n"
            + "[sources.pg2]\nkind = \"postgres\"\nurl = \"postgres://h/db\"\nscratch_schema = \"ws_scratch\"\n"
        let dir = try temporaryProject([
            "warehouse-sync.toml": sources,
            "models/a.sql": "-- key: id\n-- source: warehouse\n-- diff: warehouse\nSELECT 1 AS id",
            "models/b.sql": "-- key: id\n-- source: pg\n-- diff: warehouse\nSELECT 1 AS id",
            "models/c.sql": "-- key: id\n-- source: pg2\n-- diff: warehouse\nSELECT 1 AS id",
        ])
        let errors = try #require(throws: ProjectErrors.self) { try Project.load(directory: dir, environment: [:]) }
        #expect(
            errors.errors.map(\.description) == [
                "models/a.sql:3: diff: warehouse needs a postgres, redshift, snowflake or bigquery source; source "
                    + "warehouse is sqlite\n  hint: use -- diff: client for this model",
                "models/b.sql:3: diff: warehouse needs a scratch schema, and source pg has none\n  hint: add "
                    + "scratch_schema = \"warehouse_sync\" to [sources.pg] and grant the role CREATE and USAGE on that "
                    + "schema only (docs/warehouse-diff.md)",
            ])
        let bad = try temporaryProject([
            "warehouse-sync.toml": sources + "[sources.bad]\nkind = \"postgres\"\nurl = \"postgres://h/db\"\n"
                + "scratch_schema = \"ws.scratch\"\n",
            "models/d.sql": "-- key: id\n-- source: pg2\n-- diff: both\nSELECT 1 AS id",
        ])
        let parsing = try #require(throws: ProjectErrors.self) { try Project.load(directory: bad, environment: [:]) }
        #expect(
            parsing.errors.map(\.description) == [
                "models/d.sql:3: invalid diff \"both\"\n  hint: diff is client (stream the result and compare it here) "
                    + "or warehouse (compare in the source's scratch_schema and stream only the rows that changed)",
                "warehouse-sync.toml:14: invalid scratch_schema \"ws.scratch\"\n  hint: a schema (BigQuery: dataset) "
                    + "name of letters, digits and '_', e.g. warehouse_sync",
            ])
    }
}

import Foundation
import Testing

@testable import Connectors
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// The runner's stages against a warehouse that is only its seam (`FakeWarehouse`) and a SQLite
/// store: what each stage asks of the warehouse, decided by its capabilities and answers, never
/// by its kind.
@Suite struct RunStagesTests {
    /// A project with one model on a source whose kind is the fake's.
    struct Setup {
        let directory: URL
        let warehouse: FakeWarehouse
        var project: Project

        init(capabilities: WarehouseCapabilities, header: String = "") throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-stages-\(UUID().uuidString)")
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
            try """
            [store]
            url = "sqlite:state.db"

            [sources.wh]
            kind = "postgres"
            url = "postgres://never-opened"
            statistics_lag = "0s"
            """.write(to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
            try "-- key: id\n\(header)SELECT id, score FROM t".write(
                to: directory.appendingPathComponent("models/m.sql"), atomically: true, encoding: .utf8)
            warehouse = FakeWarehouse(capabilities: capabilities)
            warehouse.rows = [[.text("b"), .int(2)], [.text("a"), .int(1)]]
            project = try Project.load(directory: directory, environment: [:])
            project.config.sources["wh"]?.kind = warehouse.kindOpeningSelf()
        }

        func sync(_ options: SyncOptions = SyncOptions()) throws -> SyncOutcome {
            try SyncRunner(project: project).run(try #require(project.model(named: "m")), options: options)
        }

        func store() throws -> any Store {
            try StoreLocation(url: Secret("sqlite:state.db"), projectDirectory: directory).open()
        }
    }

    @Test func aKindThatCompilesInPlaceIsAskedForTheModelAsWrittenAndOthersAreNot() throws {
        let compiling = try Setup(capabilities: [.compilesInPlace])
        #expect(try compiling.sync().record.status == .succeeded)
        #expect(compiling.warehouse.statements.first?.sql == "DESCRIBE SELECT id, score FROM t")

        let other = try Setup(capabilities: [])
        #expect(try other.sync().record.status == .succeeded)
        #expect(!other.warehouse.statements.contains { $0.sql.hasPrefix("DESCRIBE") })
        #expect(try other.store().profiles(ProfileQuery()).map(\.key) == ["a", "b"])
    }

    @Test func aProbeThatSaysNothingMovedSkipsTheRerunWithoutAQuery() throws {
        let setup = try Setup(capabilities: [.skipsUnchanged])
        setup.warehouse.probeAnswer = PreRunProbe(
            sources: SourceProbe(relations: ["t": [7]], time: .none, plan: "scan t"))
        #expect(try setup.sync().record.status == .succeeded)
        let skipped = try setup.sync().record
        #expect(skipped.status == .skipped)
        #expect(skipped.errorCode == "run.unchanged")
        #expect(setup.warehouse.modelQueries.count == 1, "the skipped run sent no query")

        setup.warehouse.probeAnswer.sources?.relations["t"] = [8]
        setup.warehouse.rows[0][1] = .int(3)
        let moved = try setup.sync()
        #expect(moved.record.status == .succeeded)
        #expect(moved.record.changed == 1)
    }

    @Test func anEstimateOverTheBudgetHoldsTheRunBeforeAnyQueryAndForceRunsIt() throws {
        let setup = try Setup(capabilities: [], header: "-- budget: 100 planner_cost\n")
        setup.warehouse.assessment = .estimate(500, who: "the fake estimates")
        let held = try setup.sync()
        #expect(held.record.status == .blocked)
        #expect(held.record.errorCode == "run.over_budget")
        #expect(held.record.error?.contains("the fake estimates 500 planner_cost") == true)
        #expect(setup.warehouse.modelQueries.isEmpty)

        var options = SyncOptions()
        options.force = true
        #expect(try setup.sync(options).record.status == .succeeded)
    }

    @Test func aBudgetKeptAsATimeoutCapsTheModelQuery() throws {
        let setup = try Setup(capabilities: [], header: "-- budget: 100 planner_cost\n-- timeout: 10m\n")
        setup.warehouse.assessment = .capped(timeout: .seconds(42), explanation: "42 s of the fake")
        #expect(try setup.sync().record.status == .succeeded)
        #expect(setup.warehouse.modelQueries.map(\.timeout) == [.seconds(42)])
    }

    @Test func aKindWithoutTheBudgetsUnitFailsTheRunAndSaysWhichUnitsExist() throws {
        let setup = try Setup(capabilities: [], header: "-- budget: 100 planner_cost\n")
        setup.warehouse.assessment = .unsupported
        let error = #expect(throws: SyncError.self) { try setup.sync() }
        #expect(error?.message.contains("is not a unit source wh (fake) has") == true)
        let recorded = try #require(try setup.store().runs(model: "m", limit: 1).first)
        #expect(recorded.status == .failed)
        #expect(recorded.errorCode == "run.budget", "the failed run's code is the error's, stored beside its text")
        #expect(setup.warehouse.modelQueries.isEmpty)
    }

    @Test func theMeasuredCostIsReadAfterTheQueryAndRecorded() throws {
        let setup = try Setup(capabilities: [.measuresCost])
        setup.warehouse.costRow = [.int(1234)]
        let outcome = try setup.sync()
        #expect(outcome.record.cost?["fake_units"] == 1234)
        #expect(setup.warehouse.statements.last?.sql == FakeDialect.costSQL)
        #expect(try setup.store().runs(model: "m", limit: 1).first?.cost?["fake_units"] == 1234)
    }
}

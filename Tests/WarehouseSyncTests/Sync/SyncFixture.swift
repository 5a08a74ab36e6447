import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// Which store a test writes to.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A throwaway project: a warehouse (a fresh PostgreSQL database, or a SQLite file), a store
/// (a SQLite file or another fresh PostgreSQL database), and model files written by the test.
final class SyncFixture {
    let directory: URL
    let storeKind: StoreKind
    let sourceKind: WarehouseKind
    /// Admin access to the warehouse, for changing its data between runs.
    private(set) var warehouseURL = ""
    private(set) var warehouseDatabase = ""
    private(set) var warehousePath = ""
    private(set) var storeURL = ""
    var environment: [String: String] = [:]
    /// The source's `statistics_lag`: tests that measure the skip rule itself set their own; the
    /// others take the counters at their word (they wait for them where they must).
    var statisticsLag = "0s" {
        didSet { try? writeConfig() }
    }

    init(store: StoreKind, source: WarehouseKind = .postgres) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
        storeKind = store
        sourceKind = source
        switch source {
        case .sqlite:
            warehousePath = directory.appendingPathComponent("warehouse.db").path
            _ = try SQLiteDatabase(path: warehousePath, create: true)
        default:
            (warehouseDatabase, warehouseURL) = try TestPostgres.freshDatabase("wh")
        }
        switch store {
        case .sqlite: storeURL = "sqlite:\(directory.appendingPathComponent("state.db").path)"
        case .postgres: storeURL = try TestPostgres.freshDatabase("store").url
        }
        try writeConfig()
    }

    /// Points this project's source at another fixture's warehouse.
    func reuseWarehouse(of other: SyncFixture) {
        warehouseURL = other.warehouseURL
        warehousePath = other.warehousePath
        try? writeConfig()
    }

    func writeConfig(sourceURL: String? = nil, extraSource: String = "") throws {
        let source =
            sourceKind == .sqlite
            ? "kind = \"sqlite\"\npath = \"warehouse.db\""
            : "kind = \"postgres\"\nurl = \"\(sourceURL ?? warehouseURL)\"\nstatistics_lag = \"\(statisticsLag)\""
        try """
        [store]
        url = "\(storeURL)"

        [sources.wh]
        \(source)
        \(extraSource)
        """.write(to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
    }

    /// Runs SQL on the warehouse as its owner.
    func warehouse(_ sql: String) throws {
        if sourceKind == .sqlite {
            try SQLiteDatabase(path: warehousePath).execute(sql)
        } else {
            try PGConnection(conninfo: warehouseURL).execute(sql)
        }
    }

    func model(_ name: String, _ text: String) throws {
        try text.write(to: directory.appendingPathComponent("models/\(name).sql"), atomically: true, encoding: .utf8)
    }

    func removeModel(_ name: String) throws {
        try FileManager.default.removeItem(at: directory.appendingPathComponent("models/\(name).sql"))
    }

    func project() throws -> Project { try Project.load(directory: directory, environment: environment) }

    /// Runs one model to the end and returns what it did.
    @discardableResult
    func sync(_ name: String, _ options: SyncOptions = SyncOptions()) throws -> SyncOutcome {
        let project = try project()
        guard let model = project.model(named: name) else { throw StoreError("no model \(name)") }
        return try SyncRunner(project: project).run(model, options: options)
    }

    func store() throws -> any Store {
        try StoreLocation(url: Secret(storeURL), projectDirectory: directory).open()
    }

    /// A profile's traits, trait → JSON text of its value.
    func traits(_ key: String) throws -> [String: String] {
        try allProfiles(key: key)[key] ?? [:]
    }

    /// The run id that set each trait of a profile.
    func provenanceRuns(_ key: String) throws -> [String: String] {
        (try store().profile(key: key)?.sources ?? [:]).mapValues(\.run)
    }

    /// Every profile's traits (profiles without traits are left out), read with the store's own
    /// JSON functions so each value is its JSON text.
    func allProfiles(key: String? = nil) throws -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        switch storeKind {
        case .sqlite:
            let db = try SQLiteDatabase(path: String(storeURL.dropFirst("sqlite:".count)))
            let statement = try db.prepare(
                """
                SELECT p.key, e.key, p.traits -> e.fullkey
                FROM profiles p, json_each(p.traits) e WHERE ?1 IS NULL OR p.key = ?1
                """)
            statement.bind(1, key)
            while try statement.step() {
                result[statement.text(0)!, default: [:]][statement.text(1)!] = statement.text(2)!
            }
        case .postgres:
            let pg = try PGConnection(conninfo: storeURL)
            let rows = try pg.execute(
                """
                SELECT p.key, e.key, e.value::text FROM warehouse_sync.profiles p, jsonb_each(p.traits) e
                WHERE $1::text IS NULL OR p.key = $1
                """, [key])
            for i in 0..<rows.rowCount { result[rows.text(i, 0)!, default: [:]][rows.text(i, 1)!] = rows.text(i, 2)! }
        }
        return result
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

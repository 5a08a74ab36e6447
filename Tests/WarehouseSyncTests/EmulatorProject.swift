import Foundation
import TestSupport

@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// A throwaway project on a warehouse emulator (`SnowflakeProject`, `BigQueryProject`): its directory,
/// the environment its secrets come from, and a SQLite store.
protocol EmulatorProject: AnyObject {
    var directory: URL { get }
    var environment: [String: String] { get }
    /// How a model names the table `replaceCustomers` writes.
    var customersTable: String { get }
    /// (Re)creates `customers (user_id text, ltv decimal, risk text)` holding `rows`, written as SQL
    /// values: `('u1', 10.50, 'low'), (NULL, 20, NULL)`.
    func replaceCustomers(_ rows: String) throws
    /// Drops `customers.risk`, keeping its rows.
    func dropRiskColumn() throws
    /// Writes model `name` reading from this project's source.
    func model(_ name: String, _ text: String) throws
}

extension EmulatorProject {
    /// Runs one model to the end through the runner and returns its record.
    @discardableResult
    func sync(_ name: String) throws -> RunRecord {
        let project = try Project.load(directory: directory, environment: environment)
        guard let model = project.model(named: name) else { throw StoreError("no model \(name)") }
        return try SyncRunner(project: project).run(model, options: SyncOptions()).record
    }

    func store() throws -> any Store {
        try StoreLocation(url: Secret("sqlite:state.db"), projectDirectory: directory).open()
    }
}

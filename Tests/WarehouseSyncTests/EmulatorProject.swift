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

import Foundation
import TestSupport
import Testing

@testable import SyncCore
@testable import WarehouseSync

/// A WarehouseSync project beside a copy of the fixture dbt project (`analytics/`), both on one fresh
/// database of the throwaway PostgreSQL, with `[dbt] project_dir = "analytics"`.
final class DbtFixture {
    let sync: SyncFixture
    var directory: URL { sync.directory }
    var analytics: URL { directory.appendingPathComponent("analytics") }

    init(dbtTable: String = "") throws {
        sync = try SyncFixture(store: .sqlite)
        try TestDbt.copyFixture(to: directory.appendingPathComponent("analytics"))
        try sync.writeConfig(extraSource: "\n[dbt]\nproject_dir = \"analytics\"\n" + dbtTable)
    }

    /// `dbt ARGS` in `analytics/` (or `project`); records an issue with dbt's output when it fails
    /// unless `expecting` another status.
    @discardableResult
    func dbt(
        _ args: String, in project: URL? = nil, expecting: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation
    )
        throws -> TestDbt.Result
    {
        let result = try TestDbt.run(
            args.split(separator: " ").map(String.init), in: project ?? analytics, database: sync.warehouseDatabase)
        #expect(result.status == expecting, "dbt \(args):\n\(result.output)", sourceLocation: sourceLocation)
        return result
    }

    /// Seeds and builds the dbt project on `target`.
    func build(target: String) throws {
        try dbt("seed --target \(target)")
        try dbt("run --target \(target)")
    }
}

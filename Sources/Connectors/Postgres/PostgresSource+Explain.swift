import Drivers
import Foundation
import SyncCore

extension PostgresSource {
    /// The planner's total cost of `sql` (`EXPLAIN (FORMAT JSON)`), without running it.
    public func plannerTotalCost(_ sql: String, options: QueryOptions) throws -> Double? {
        let statement = try SingleStatement.trimmed(sql)
        try connection.execute("BEGIN READ ONLY")
        defer { _ = try? connection.execute("ROLLBACK") }
        if let timeout = options.timeout {
            try connection.execute("SET LOCAL statement_timeout = \(timeout.milliseconds)")
        }
        // With parameters, libpq uses the extended protocol: the server refuses several statements.
        let result = try connection.execute("EXPLAIN (FORMAT JSON) \(statement)", [])
        guard let text = result.text(0, 0),
            let plans = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]],
            let plan = plans.first?["Plan"] as? [String: Any]
        else { return nil }
        return (plan["Total Cost"] as? NSNumber)?.doubleValue
    }
}

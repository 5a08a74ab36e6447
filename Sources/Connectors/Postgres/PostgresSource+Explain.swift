import Drivers
import Foundation
import SyncCore

extension PostgresSource {
    /// The planner's total cost of `sql` (`EXPLAIN (FORMAT JSON)`), without running it.
    public func plannerTotalCost(_ sql: String, options: QueryOptions) throws -> Double? {
        try explained(sql, verbose: false, options: options) { plan in (plan?["Total Cost"] as? NSNumber)?.doubleValue }
    }

    /// Runs `body` with the top plan node of `EXPLAIN (FORMAT JSON[, VERBOSE]) sql` (nil when the
    /// answer is not a plan), inside a read-only transaction that is rolled back afterwards, so
    /// `body` may ask the catalog more in the same snapshot.
    func explained<T>(
        _ sql: String, verbose: Bool, options: QueryOptions, _ body: ([String: Any]?) throws -> T
    ) throws -> T {
        let statement = try SingleStatement.trimmed(sql)
        try connection.execute("BEGIN READ ONLY")
        defer { _ = try? connection.execute("ROLLBACK") }
        if let timeout = options.timeout {
            try connection.execute("SET LOCAL statement_timeout = \(timeout.milliseconds)")
        }
        if connection.serverVersion >= 110_000 {
            // The catalog queries after the plan take a millisecond; the planner overestimates the
            // recursive walk of the result's types, and JIT-compiling it took 0.4 s of every probe.
            try connection.execute("SET LOCAL jit = off")
        }
        // With parameters, libpq uses the extended protocol: the server refuses several statements.
        let result = try connection.execute("EXPLAIN (FORMAT JSON\(verbose ? ", VERBOSE" : "")) \(statement)", [])
        guard let text = result.text(0, 0),
            let plans = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        else { return try body(nil) }
        return try body(plans.first?["Plan"] as? [String: Any])
    }
}

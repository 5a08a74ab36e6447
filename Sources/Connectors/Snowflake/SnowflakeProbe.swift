import SyncCore

/// docs/cost.md on Snowflake, as SQL: the tables a model's query reads and the bytes it would scan
/// (`EXPLAIN USING TABULAR`, which compiles without a running warehouse), each table's change
/// token (`SYSTEM$LAST_CHANGE_COMMIT_TIME`, metadata only), and the statement timeout that
/// enforces a credits budget. Pure: the runner sends the SQL and hands back the rows.
public enum SnowflakeProbe {
    /// Credits per hour of Snowflake's standard warehouse sizes (as `SHOW WAREHOUSES` spells them).
    public static let creditsPerHour: [String: Double] = [
        "X-Small": 1, "Small": 2, "Medium": 4, "Large": 8, "X-Large": 16, "2X-Large": 32,
        "3X-Large": 64, "4X-Large": 128, "5X-Large": 256, "6X-Large": 512,
    ]

    /// `EXPLAIN USING TABULAR` of the model's query.
    public static func explain(_ sql: String) -> String {
        "EXPLAIN USING TABULAR\n" + SQLText.stripTrailingSemicolon(sql)
    }

    /// What `EXPLAIN USING TABULAR` says: the objects its table scans read (fully qualified, as
    /// Snowflake names them, views resolved), the bytes of the partitions assigned after
    /// pruning (the `GlobalStats` row: an upper bound of bytes scanned), and the plan's shape
    /// (operations, objects and expressions, without numbers) to digest.
    public struct Plan: Sendable, Equatable {
        public var objects: [String]
        public var bytesAssigned: Double?
        public var shape: String
    }

    /// Reads the explain rows; columns are found by name, in any case.
    public static func plan(columns: [String], rows: [[Value]]) -> Plan {
        let index = Dictionary(columns.enumerated().map { ($1.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        func text(_ row: [Value], _ name: String) -> String? {
            guard let i = index[name.lowercased()], i < row.count else { return nil }
            if case .text(let s) = row[i] { return s }
            return nil
        }
        var plan = Plan(objects: [], bytesAssigned: nil, shape: "")
        var objects: Set<String> = []
        for row in rows {
            let operation = text(row, "operation") ?? ""
            if operation == "GlobalStats", let i = index["bytesassigned"], i < row.count {
                plan.bytesAssigned = row[i].measure
                continue
            }
            if let object = text(row, "objects"), !object.isEmpty { objects.insert(object) }
            plan.shape +=
                [operation, text(row, "objects") ?? "", text(row, "expressions") ?? ""]
                .joined(separator: "|") + "\n"
        }
        plan.objects = objects.sorted()
        return plan
    }

    /// One row per object: its name and its change token, which grows with every DML on it
    /// (or, for a view, on the tables it reads).
    public static func changeTokens(_ objects: [String]) -> String {
        objects.map {
            "SELECT \(SnowflakeDialect().literal($0)) AS object_name, "
                + "SYSTEM$LAST_CHANGE_COMMIT_TIME(\(SnowflakeDialect().literal($0))) AS change_token"
        }.joined(separator: "\nUNION ALL\n")
    }

    /// The session's warehouse, whose size converts a credits budget into seconds.
    public static let currentWarehouse = "SELECT CURRENT_WAREHOUSE()"

    /// `SHOW WAREHOUSES` for one warehouse; its `size` column is read by `timeout`.
    public static func showWarehouse(_ name: String) -> String {
        "SHOW WAREHOUSES LIKE \(SnowflakeDialect().literal(name))"
    }

    /// The statement timeout that stops a query once it has spent `credits` on a warehouse of
    /// `size` (credits per hour × hours), at least 1 s; nil for an unknown size. Snowflake
    /// bills a running warehouse per second (after its first minute), so this caps the compute
    /// the query itself can use.
    public static func timeout(credits: Double, warehouseSize size: String) -> Duration? {
        guard let perHour = creditsPerHour[size], perHour > 0 else { return nil }
        // Snowflake's longest statement timeout is 7 days; a larger budget caps nothing.
        return .seconds(max(1, min(604_800, (credits / perHour * 3600).rounded(.down))))
    }
}

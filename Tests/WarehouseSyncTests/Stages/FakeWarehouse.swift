import Foundation

@testable import Connectors
@testable import SyncCore

/// A warehouse of one table held in memory, whose answers a test scripts: what the probe says,
/// how a budget is kept, what the query cost. It records every statement and the options each ran
/// with, so a test sees what the runner asked and in which order.
final class FakeWarehouse: Warehouse, SourceConnection, @unchecked Sendable {
    /// The model query's columns, the key first, and its rows in any order.
    var columns: [Column] = [Column(name: "id", type: .text), Column(name: "score", type: .int)]
    var rows: [[Value]] = []
    var probeAnswer = PreRunProbe()
    var assessment = BudgetAssessment.unsupported
    /// The cost query's row; nil has no cost query.
    var costRow: [Value]?
    /// Every statement received, with the timeout it ran under.
    private(set) var statements: [(sql: String, timeout: Duration?)] = []
    private(set) var probes = 0

    let kind: WarehouseKind
    var connection: any SourceConnection { self }
    var dialect: any SQLDialect { FakeDialect(costs: costRow != nil) }
    var privileges: PrivilegeInspection { .unavailable(note: "a fake") }

    init(capabilities: WarehouseCapabilities) {
        kind = WarehouseKind(
            name: "fake", connectsWith: ("url", "url = \"fake\""), capabilities: capabilities,
            budgetUnits: [.plannerCost], open: { _ in fatalError("opened through FakeWarehouse.kind(for:)") })
    }

    /// A kind whose opener hands out this warehouse.
    func kindOpeningSelf() -> WarehouseKind {
        WarehouseKind(
            name: kind.name, connectsWith: kind.connectsWith, capabilities: kind.capabilities,
            budgetUnits: kind.budgetUnits, open: { [self] _ in self })
    }

    /// The model queries received (not the cost query).
    var modelQueries: [(sql: String, timeout: Duration?)] { statements.filter { $0.sql != FakeDialect.costSQL } }

    func probe(_ sql: String, model: String, previousRun: String?, probeSources: Bool, options: QueryOptions)
        throws -> PreRunProbe
    {
        probes += 1
        return probeAnswer
    }

    func assess(_ budget: Budget, estimates: [String: Double], force: Bool, options: QueryOptions) throws
        -> BudgetAssessment
    { assessment }

    func describe(_ sql: String, options: QueryOptions) throws -> [Column] {
        statements.append(("DESCRIBE " + sql, options.timeout))
        return columns
    }

    func stream(_ sql: String, options: QueryOptions, into receiver: inout some RowReceiver) throws -> QueryStats {
        statements.append((sql, options.timeout))
        var stats = QueryStats()
        if sql == FakeDialect.costSQL {
            try receiver.columns([Column(name: "cost", type: .int)])
            if let costRow { try receiver.row(costRow) }
            return stats
        }
        try receiver.columns([Column(name: SQLText.keyTextColumn, type: .text)] + columns)
        let keyed = rows.map { row -> (String, [Value]) in
            guard case .text(let key) = row[0] else { return ("", row) }
            return (key, row)
        }
        for (key, row) in keyed.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }) {
            try receiver.row([.text(key)] + row)
            stats.rows += 1
        }
        return stats
    }
}

/// SQL that the fake recognizes: the key as it is, in byte order, and one cost query.
struct FakeDialect: SQLDialect {
    static let costSQL = "SELECT fake_cost"
    var costs: Bool
    var name: String { "fake" }
    func keyText(_ column: String) -> String { column }
    func byteOrder(_ text: String) -> String? { text }
    func costQuery(tag: SessionTag) -> String? { costs ? Self.costSQL : nil }
    func costMeasures(row: [Value]) -> [String: Double] { ["fake_units": row.first?.measure ?? -1] }
}

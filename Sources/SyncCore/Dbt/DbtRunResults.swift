import Foundation

/// The fields of dbt's `target/run_results.json` that `sync --after-dbt` reads
/// (https://docs.getdbt.com/reference/artifacts/run-results-json): each node's unique id and status.
public struct DbtRunResults: Decodable, Sendable {
    public struct Result: Decodable, Sendable {
        public var uniqueID: String
        /// `success`, `error`, `skipped` for models; `pass`, `fail`, `warn` for tests.
        public var status: String
        enum CodingKeys: String, CodingKey {
            case uniqueID = "unique_id"
            case status
        }
    }

    public var results: [Result]

    /// Decodes the file's bytes.
    /// - Throws: `DecodingError` when the JSON is not dbt run results.
    public static func decode(_ data: Data) throws -> DbtRunResults {
        try JSONDecoder().decode(DbtRunResults.self, from: data)
    }

    /// Each node's status by unique id.
    public var statuses: [String: String] {
        Dictionary(results.map { ($0.uniqueID, $0.status) }, uniquingKeysWith: { _, last in last })
    }
}

/// What `sync --after-dbt` does with one model, decided from the dbt nodes it refs and the dbt
/// invocation's results (docs/dbt.md).
public enum DbtAfterRun: Sendable, Equatable {
    /// Every node it refs that the invocation built succeeded: run it.
    case run
    /// A node it refs failed (`failed`) or was skipped: record the run as skipped with `reason`.
    case skip(reason: String, failed: Bool)
    /// The invocation built none of the nodes it refs: leave it alone.
    case notInRun

    static let failedStatuses: Set<String> = ["error", "fail", "runtime error"]

    /// The decision for a model that refs `nodes` (unique ids), given each node's status.
    public static func decide(nodes: [String], statuses: [String: String]) -> DbtAfterRun {
        let built = nodes.sorted().compactMap { id in statuses[id].map { (id, $0) } }
        if let (id, _) = built.first(where: { failedStatuses.contains($0.1) }) {
            return .skip(reason: "upstream dbt model \(displayName(id)) failed", failed: true)
        }
        if let (id, status) = built.first(where: { $0.1 != "success" && $0.1 != "pass" && $0.1 != "warn" }) {
            return .skip(reason: "upstream dbt model \(displayName(id)) was \(status)", failed: false)
        }
        return built.isEmpty ? .notInRun : .run
    }

    /// `model.shop.customer_ltv` → `customer_ltv`; a versioned model keeps its `.v2`.
    static func displayName(_ uniqueID: String) -> String {
        let parts = uniqueID.split(separator: ".")
        guard parts.count >= 3 else { return uniqueID }
        return parts[2...].joined(separator: ".")
    }
}

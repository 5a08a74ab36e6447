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
    /// `metadata.dbt_schema_version`'s number (6 for `.../run-results/v6.json`); nil when absent.
    public var schemaVersion: Int?
    /// A warning when the file is newer than the newest layout WarehouseSync was tested with.
    public var versionWarning: String? {
        DbtArtifact.newerWarning(schemaVersion, DbtArtifact.runResultsVersions, artifact: "run_results.json")
    }

    enum CodingKeys: String, CodingKey { case metadata, results }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decodeIfPresent(DbtArtifact.Metadata.self, forKey: .metadata)?.checkedVersion(
            DbtArtifact.runResultsVersions, artifact: "run_results.json")
        results = try c.decode([Result].self, forKey: .results)
    }

    /// Decodes the file's bytes.
    /// - Throws: `DbtArtifact.Problem` when the JSON is not dbt's run results (the JSON path and
    ///   what is wrong there) or older than v4 (dbt 1.0).
    public static func decode(_ data: Data) throws(DbtArtifact.Problem) -> DbtRunResults {
        try DbtArtifact.decode(
            DbtRunResults.self, from: data,
            hint: "give the run_results.json that dbt run or dbt build wrote in the dbt project's target/")
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

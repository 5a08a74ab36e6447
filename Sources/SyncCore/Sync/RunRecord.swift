import Foundation

/// One run of a model, as the store records it (docs/how-it-works.md). Its row counts are the diff's
/// (`record.added` reads `record.counts.added`); in JSON they sit beside the other fields.
@dynamicMemberLookup
public struct RunRecord: Codable, Sendable, Equatable {
    public enum Trigger: String, Codable, Sendable {
        /// `api`: `POST /v1/models/{model}/runs`; `dependency`: after a model it runs `after` (docs/http-api.md).
        case schedule, manual, retry, revert, api, dependency
        case catchUp = "catch-up"
    }
    public enum Status: String, Codable, Sendable { case running, succeeded, failed, blocked, skipped }

    public var id: String
    public var model: String
    public var source: String
    public var trigger: Trigger
    public var status: Status
    public var startedAt: Date
    public var finishedAt: Date?
    public var counts = DiffCounts()
    public var queryMs: Int64 = 0
    public var fetchMs: Int64 = 0
    public var bytesReceived = 0
    /// What the warehouse says the query cost, by measure (e.g. `planner_total_cost`, `bytes_scanned`).
    public var cost: [String: Double]?
    public var error: String?
    /// Why the run did not succeed, as a stable code (`ReportedError.errorCode`, or `run.unchanged`,
    /// `run.over_budget`, `run.held`, `run.cancelled` for runs that ended on purpose); nil for a success.
    public var errorCode: String?
    /// What the model's dbt references read in this run, one per line (`{{ ref('customer_ltv') }} reads
    /// "analytics"."marts"."customer_ltv"`), as resolved through the manifest (docs/dbt.md); nil for a
    /// model without them.
    public var reads: String?

    public init(id: String, model: String, source: String, trigger: Trigger, status: Status, startedAt: Date) {
        self.id = id
        self.model = model
        self.source = source
        self.trigger = trigger
        self.status = status
        self.startedAt = startedAt
    }

    public subscript(dynamicMember keyPath: WritableKeyPath<DiffCounts, Int>) -> Int {
        get { counts[keyPath: keyPath] }
        set { counts[keyPath: keyPath] = newValue }
    }

    /// A JSON key of a run: a field's name (`RunRecord.fields`).
    struct FieldKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Reads every field of `RunRecord.fields` by its name.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: FieldKey.self)
        self = try Self.read { field in
            let key = FieldKey(stringValue: field.name)
            guard try c.contains(key) && !c.decodeNil(forKey: key) else { return .null }
            switch field.kind {
            case .text: return .text(try c.decode(String.self, forKey: key))
            case .integer: return .integer(try c.decode(Int64.self, forKey: key))
            case .instant: return .instant(try c.decode(Date.self, forKey: key))
            case .measures: return .measures(try c.decode([String: Double].self, forKey: key))
            }
        }
    }

    /// Writes every field of `RunRecord.fields` under its name (null for an absent value).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: FieldKey.self)
        for field in Self.fields {
            let key = FieldKey(stringValue: field.name)
            switch field.get(self) {
            case .null: try c.encodeNil(forKey: key)
            case .text(let text): try c.encode(text, forKey: key)
            case .integer(let n): try c.encode(n, forKey: key)
            case .instant(let date): try c.encode(date, forKey: key)
            case .measures(let measures): try c.encode(measures, forKey: key)
            }
        }
    }

    /// A new, sortable run id: the start time and a random suffix, e.g. `20261129T012345Z-3fa2c1`.
    public static func newID(at date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date) + "-" + UUID().uuidString.prefix(6).lowercased()
    }
}

extension RunRecord {
    /// The codes of runs that ended on purpose, beside the `ReportedError` codes of failed runs.
    public enum Codes {
        /// Skipped: nothing the query reads moved since the last run (docs/cost.md).
        public static let unchanged = "run.unchanged"
        /// Held: the warehouse's estimate is over the model's budget (docs/cost.md).
        public static let overBudget = "run.over_budget"
        /// Held by drift, `max_removed` or `max_changed` (docs/drift-and-plans.md).
        public static let held = "run.held"
        /// Stopped by a shutdown or an interrupt: nothing was written.
        public static let cancelled = "run.cancelled"
        /// Skipped by the scheduler before it started (a slot that never came, a failed dependency).
        public static let notStarted = "run.not_started"
        /// Skipped by `sync --after-dbt`: a dbt node the model refs failed or was skipped in that dbt
        /// invocation (docs/dbt.md).
        public static let upstreamFailed = "run.upstream_failed"
    }
}

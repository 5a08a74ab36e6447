import Foundation

/// One run of a model, as the store records it (SPEC 4.6). Its row counts are the diff's
/// (`record.added` reads `record.counts.added`); in JSON they sit beside the other fields.
@dynamicMemberLookup
public struct RunRecord: Codable, Sendable, Equatable {
    public enum Trigger: String, Codable, Sendable {
        case schedule, manual, retry
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

    enum CodingKeys: String, CodingKey {
        case id, model, source, trigger, status, error, cost
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case queryMs = "query_ms"
        case fetchMs = "fetch_ms"
        case bytesReceived = "bytes_received"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        model = try c.decode(String.self, forKey: .model)
        source = try c.decode(String.self, forKey: .source)
        trigger = try c.decode(Trigger.self, forKey: .trigger)
        status = try c.decode(Status.self, forKey: .status)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        finishedAt = try c.decodeIfPresent(Date.self, forKey: .finishedAt)
        queryMs = try c.decode(Int64.self, forKey: .queryMs)
        fetchMs = try c.decode(Int64.self, forKey: .fetchMs)
        bytesReceived = try c.decode(Int.self, forKey: .bytesReceived)
        cost = try c.decodeIfPresent([String: Double].self, forKey: .cost)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        counts = try DiffCounts(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(model, forKey: .model)
        try c.encode(source, forKey: .source)
        try c.encode(trigger, forKey: .trigger)
        try c.encode(status, forKey: .status)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(queryMs, forKey: .queryMs)
        try c.encode(fetchMs, forKey: .fetchMs)
        try c.encode(bytesReceived, forKey: .bytesReceived)
        try c.encode(cost, forKey: .cost)
        try c.encode(error, forKey: .error)
        try counts.encode(to: encoder)
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

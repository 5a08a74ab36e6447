import Foundation

/// One run of a model, as the store records it (SPEC 4.6).
public struct RunRecord: Codable, Sendable, Equatable {
    public enum Trigger: String, Codable, Sendable { case schedule, manual, retry, catchUp = "catch-up" }
    public enum Status: String, Codable, Sendable { case running, succeeded, failed, blocked, skipped }

    public var id: String
    public var model: String
    public var source: String
    public var trigger: Trigger
    public var status: Status
    public var startedAt: Date
    public var finishedAt: Date?
    public var rowsRead = 0
    public var invalid = 0
    public var added = 0
    public var changed = 0
    public var removed = 0
    public var unchanged = 0
    public var traitsWritten = 0
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

    enum CodingKeys: String, CodingKey {
        case id, model, source, trigger, status, error, cost, invalid, added, changed, removed, unchanged
        case startedAt = "started_at", finishedAt = "finished_at", rowsRead = "rows_read", traitsWritten = "traits_written"
        case queryMs = "query_ms", fetchMs = "fetch_ms", bytesReceived = "bytes_received"
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

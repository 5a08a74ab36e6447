import Foundation

/// The fields of a dbt Cloud webhook delivery that `serve` reads
/// (https://docs.getdbt.com/docs/deploy/webhooks): the event type and the run's job, id and status.
public struct DbtCloudEvent: Decodable, Sendable, Equatable {
    public var eventID: String
    /// `job.run.started`, `job.run.completed`, `job.run.errored`.
    public var eventType: String
    public var jobID: String
    public var runID: String
    /// `Success`, `Errored`, `Cancelled`.
    public var runStatus: String
    /// 10 success, 20 error, 30 cancelled.
    public var runStatusCode: Int?

    /// Whether the run succeeded (`runStatus` Success, or status code 10).
    public var succeeded: Bool { runStatus.lowercased() == "success" || runStatusCode == 10 }

    enum Keys: String, CodingKey { case eventId, eventType, data }
    enum DataKeys: String, CodingKey { case jobId, runId, runStatus, runStatusCode }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        eventID = try c.decodeIfPresent(String.self, forKey: .eventId) ?? ""
        eventType = try c.decode(String.self, forKey: .eventType)
        let data = try c.nestedContainer(keyedBy: DataKeys.self, forKey: .data)
        jobID = try Self.text(data, .jobId)
        runID = try Self.text(data, .runId)
        runStatus = try data.decodeIfPresent(String.self, forKey: .runStatus) ?? ""
        runStatusCode =
            (try? data.decodeIfPresent(Int.self, forKey: .runStatusCode))
            ?? (try? data.decodeIfPresent(String.self, forKey: .runStatusCode)).flatMap { $0.flatMap { Int($0) } }
    }

    /// An id sent as a string or a number, as text.
    static func text(_ c: KeyedDecodingContainer<DataKeys>, _ key: DataKeys) throws -> String {
        if let number = try? c.decode(Int.self, forKey: key) { return String(number) }
        return try c.decode(String.self, forKey: key)
    }

    /// Decodes a delivery's body.
    /// - Throws: `DbtArtifact.Problem` saying what is missing or wrong, by its JSON path
    ///   (`$.data.runId is missing`), when it is not a dbt Cloud job event.
    public static func decode(_ body: [UInt8]) throws(DbtArtifact.Problem) -> DbtCloudEvent {
        try DbtArtifact.decode(
            DbtCloudEvent.self, from: Data(body),
            hint: "send dbt Cloud's job.run.completed webhook body (https://docs.getdbt.com/docs/deploy/webhooks)")
    }

    /// `text` (hex digits, either case) as bytes; nil when it is not hex of even length.
    public static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

import Foundation
import SyncCore

/// One `[destinations.NAME]` table: where a model's changes are delivered (docs/destinations.md).
public struct DestinationConfig: Sendable {
    /// The payload a destination receives.
    public enum Kind: String, Sendable, CaseIterable {
        /// `POST url` with `{"destination", "batch", "changes": [...]}`.
        case webhook
        /// The Segment / RudderStack HTTP tracking API: `POST {url}/v1/batch` of `identify` calls.
        case segment
    }

    /// One request header, `Name: value`; the value may hold a token, so it is a `Secret`.
    public struct Header: Sendable {
        public var name: String
        public var value: Secret
    }

    public var name: String
    public var kind: Kind
    public var url: URL
    public var headers: [Header] = []
    /// segment: the source's write key, sent as HTTP Basic auth (`write_key:`).
    public var writeKey: Secret?
    /// Changes per request.
    public var batchSize = 500
    /// A token bucket with a burst of one second's worth.
    public var maxRequestsPerSecond = 10
    /// How long one request may take before it counts as failed (and is retried).
    public var timeout: Duration = .seconds(30)
    /// How long `sync` tries to deliver its runs' changes before it leaves the rest to `serve`.
    public var deliveryTimeout: Duration = .seconds(60)
    /// The first retry's delay; it doubles per failure up to 5 minutes (±20% jitter).
    public var retryBackoff: Duration = .seconds(1)
    /// The table's line in the config, for messages.
    public var line: Int
}

extension ConfigReader {
    static let destinationKeys = [
        "kind", "url", "headers", "write_key", "batch_size", "max_requests_per_second", "timeout", "delivery_timeout",
        "retry_backoff",
    ]

    mutating func destination(named name: String, _ table: TOMLDocument.Table) -> DestinationConfig? {
        let before = errors.count
        var kind: DestinationConfig.Kind?
        var url: URL?
        var destination = DestinationConfig(
            name: name, kind: .webhook, url: URL(fileURLWithPath: "/"), line: table.line)
        read(table, allowed: Self.destinationKeys) { entry, r in
            switch entry.key {
            case "kind":
                kind = r.kind(entry, of: "destination")
            case "url":
                url = r.httpURL(entry, of: "destination \(name)", example: "https://hooks.example.com/traits")
                    .flatMap { URL(string: $0) }
            case "headers":
                guard case .strings(let lines) = entry.value else {
                    return r.errors.append(
                        ProjectError(
                            file: r.file, line: entry.line, "headers must be an array of strings",
                            hint: "write headers = [\"Authorization: Bearer ${TOKEN}\"]"))
                }
                for line in lines {
                    guard let colon = line.firstIndex(of: ":"),
                        Self.isHeaderName(line[..<colon].trimmingCharacters(in: .whitespaces))
                    else {
                        r.errors.append(
                            ProjectError(
                                file: r.file, line: entry.line, "a header of destination \(name) is not Name: value",
                                hint: "write each header as \"Name: value\""))
                        continue
                    }
                    guard let value = r.expand(String(line[line.index(after: colon)...]), entry) else { continue }
                    guard !value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                        r.errors.append(
                            ProjectError(
                                file: r.file, line: entry.line,
                                "a header of destination \(name) has a line break or NUL in its value",
                                hint: "a header value is one line; check the variable it comes from"))
                        continue
                    }
                    destination.headers.append(
                        .init(
                            name: line[..<colon].trimmingCharacters(in: .whitespaces),
                            value: Secret(value.trimmingCharacters(in: .whitespaces))))
                }
            case "write_key": destination.writeKey = r.string(entry).map(Secret.init)
            case "batch_size": destination.batchSize = min(r.positive(entry) ?? 500, 10_000)
            case "max_requests_per_second": destination.maxRequestsPerSecond = r.positive(entry) ?? 10
            case "timeout": destination.timeout = r.duration(entry) ?? destination.timeout
            case "retry_backoff":
                // "0s" retries at once (a local receiver; tests); otherwise a duration.
                if case .string(let text) = entry.value, text == "0s" || text == "0" {
                    destination.retryBackoff = .zero
                } else {
                    destination.retryBackoff = r.duration(entry) ?? destination.retryBackoff
                }
            default: destination.deliveryTimeout = r.duration(entry) ?? destination.deliveryTimeout
            }
        }
        let keys = Set(table.entries.map(\.key))
        if !keys.contains("kind") {
            errors.append(
                ProjectError(
                    file: file, line: table.line, "destination \(name) has no kind", hint: "add kind = \"webhook\""))
        }
        if !keys.contains("url") {
            errors.append(
                ProjectError(
                    file: file, line: table.line, "destination \(name) has no url",
                    hint: "add url = \"https://hooks.example.com/traits\""))
        }
        if kind == .segment && !keys.contains("write_key") {
            errors.append(
                ProjectError(
                    file: file, line: table.line, "destination \(name) (segment) has no write_key",
                    hint: "add write_key = \"${SEGMENT_WRITE_KEY}\""))
        }
        guard errors.count == before, let kind, let url else { return nil }
        destination.kind = kind
        destination.url = url
        return destination
    }

    /// An HTTP header name (RFC 9110 token characters).
    static func isHeaderName(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
    }
}

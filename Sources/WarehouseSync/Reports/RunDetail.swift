import Foundation
import SyncCore

/// One run with the invalid rows it kept: `runs show RUN --json` and `GET /v1/runs/{id}`, the
/// run's fields as `runs --json` has them plus `invalid_rows` (`[{"key", "column", "reason"}]`, up to
/// 10,000; the run's `invalid` counts them all).
public struct RunDetail: Encodable, Sendable {
    public var run: RunRecord
    public var invalidRows: [InvalidRow]

    public init(run: RunRecord, invalidRows: [InvalidRow]) {
        self.run = run
        self.invalidRows = invalidRows
    }

    enum CodingKeys: String, CodingKey { case invalidRows = "invalid_rows" }

    public func encode(to encoder: any Encoder) throws {
        try run.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(invalidRows, forKey: .invalidRows)
    }
}

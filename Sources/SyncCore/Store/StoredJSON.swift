import Foundation

/// A value the store keeps as JSON text in one column (a snapshot's schema, its sources' state).
public protocol StoredJSON: Codable {}

extension StoredJSON {
    /// The JSON text the store keeps, keys sorted.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Reads what `json` wrote; nil for text that is not one (a store from before it was kept).
    public init?(json: String) {
        guard let decoded = try? JSONDecoder().decode(Self.self, from: Data(json.utf8)) else { return nil }
        self = decoded
    }
}

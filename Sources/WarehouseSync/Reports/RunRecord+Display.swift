import Foundation
import SyncCore

extension RunRecord {
    /// The run's fields with a value, in `RunRecord.fields` order, as text for a person: instants in
    /// ISO 8601 UTC, cost as `measure=value` pairs. What `runs show` and a run's page list.
    public var displayFields: [(name: String, text: String)] {
        RunRecord.fields.compactMap { field in
            switch field.get(self) {
            case .null: nil
            case .text(let value): (field.name, value)
            case .integer(let value): (field.name, "\(value)")
            case .instant(let value): (field.name, formatInstant(value))
            case .measures(let measures):
                (
                    field.name,
                    measures.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%g", $0.value))" }
                        .joined(separator: " ")
                )
            }
        }
    }
}

import Connectors
import Foundation
import SyncCore

/// Where in a model file a warehouse's SQL error points: the server counts characters in the text
/// it was sent (the model's query, or a statement wrapped around it), the user reads the file.
public struct SQLErrorLocation: Sendable, Equatable {
    /// 1-based line of the model file.
    public var line: Int
    /// 1-based column, in characters (Unicode scalars, as PostgreSQL counts them).
    public var column: Int

    /// The file position of `position` (1-based, in the characters of `sent`), when it falls inside
    /// `model`'s query as `sent` embeds it; nil otherwise. A place in a dbt reference's relation is
    /// the reference's `{{`; a place after one is counted in the file's own text.
    public static func of(position: Int, sent: String, model: Model) -> SQLErrorLocation? {
        guard let range = sent.range(of: model.sql) else { return nil }
        let offset = sent.unicodeScalars.distance(from: sent.unicodeScalars.startIndex, to: range.lowerBound)
        var index = position - 1 - offset
        var scalars = Array(model.sql.unicodeScalars)
        guard index >= 0, index <= scalars.count else { return nil }
        if let template = model.dbtTemplate {
            // The file has the references where the query has their relations (docs/dbt.md).
            let relations = Dictionary(model.dbtRelations, uniquingKeysWith: { first, _ in first })
            index = template.writtenOffset(ofRendered: index) { relations[$0.description] ?? $0.description }
            scalars = Array(template.written.unicodeScalars)
        }
        var line = model.headerEndLine + 1
        var column = 1
        for scalar in scalars[..<index] {
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SQLErrorLocation(line: line, column: column)
    }
}

extension ConnectorError {
    /// This error with its position told as `file:line:column` of `model` at the front of its message,
    /// when the position falls inside the model's query as `sent` embeds it; unchanged otherwise.
    public func located(in model: Model, sent: String) -> ConnectorError {
        guard let position, let location = SQLErrorLocation.of(position: position, sent: sent, model: model) else {
            return self
        }
        var located = self
        located.message = "\(model.file):\(location.line):\(location.column): \(message)"
        located.position = nil
        return located
    }
}

import Foundation

/// What WarehouseSync reads of dbt's artifacts (https://docs.getdbt.com/reference/artifacts/dbt-artifacts):
/// the schema versions whose layout it knows, and problems with a file told in a line (the JSON path
/// and what is wrong there) instead of a decoder's dump.
public enum DbtArtifact {
    /// The file cannot be used: what is wrong (without the file's name) and what to do.
    public struct Problem: Error, Sendable, Equatable {
        public var message: String
        public var hint: String
    }

    /// `manifest.json`: v7 (dbt 1.3) is the oldest layout read; v12 (dbt 1.8 to 1.10) the newest tested.
    public static let manifestVersions = 7...12
    /// `run_results.json`: v4 (dbt 1.0) is the oldest layout read; v6 (dbt 1.8 to 1.10) the newest tested.
    public static let runResultsVersions = 4...6

    /// The number of a schema URL (`https://schemas.getdbt.com/dbt/manifest/v12.json` is 12); nil
    /// when it has none.
    public static func schemaNumber(_ url: String) -> Int? {
        guard let last = url.split(separator: "/").last, last.hasPrefix("v") else { return nil }
        return Int(last.dropFirst().prefix { $0.isNumber })
    }

    /// The artifact's `metadata`.
    struct Metadata: Decodable {
        var schema: String?
        var dbtVersion: String?
        var projectName: String?
        enum CodingKeys: String, CodingKey {
            case schema = "dbt_schema_version"
            case dbtVersion = "dbt_version"
            case projectName = "project_name"
        }

        /// The schema version; throws `Problem` when it is older than `versions` reads.
        func checkedVersion(_ versions: ClosedRange<Int>, artifact: String) throws -> Int? {
            guard let number = schema.flatMap(DbtArtifact.schemaNumber) else { return nil }
            if number < versions.lowerBound {
                throw Problem(
                    message: "it is a v\(number) \(artifact)\(dbtVersion.map { " (dbt \($0))" } ?? ""), older than "
                        + "v\(versions.lowerBound), the oldest layout WarehouseSync reads",
                    hint: "upgrade dbt in the dbt project (to 1.3 or newer) and run it again to rewrite the file")
            }
            return number
        }
    }

    /// A warning when `version` is newer than the newest of `versions`, or nil.
    static func newerWarning(_ version: Int?, _ versions: ClosedRange<Int>, artifact: String) -> String? {
        guard let version, version > versions.upperBound else { return nil }
        return "it is a v\(version) \(artifact), newer than v\(versions.upperBound), the newest WarehouseSync was "
            + "tested with; if a reference resolves wrongly, tell the WarehouseSync maintainers"
    }

    /// `data` decoded as `type`.
    /// - Throws: `Problem` with `hint` when it is not one (what `describe` says), or the `Problem`
    ///   the type's decoding threw (an unread schema version).
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, hint: String) throws(Problem) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(message: describe(error), hint: hint)
        }
    }

    /// What is wrong with a file a `JSONDecoder` refused, as `$.path is ...`.
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "it is not JSON"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)) is not valid"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .valueNotFound(_, let context):
            return "\(path(context.codingPath)) is null"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) is not \(kind(type))"
        @unknown default:
            return "it is not valid"
        }
    }

    /// `$.nodes["model.shop.x"].columns`, `$.results[3].status`.
    static func path(_ keys: [any CodingKey]) -> String {
        "$"
            + keys.map { key in
                if let index = key.intValue { return "[\(index)]" }
                let simple = key.stringValue.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
                return simple ? "." + key.stringValue : "[\"\(key.stringValue)\"]"
            }.joined()
    }

    static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        default:
            "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

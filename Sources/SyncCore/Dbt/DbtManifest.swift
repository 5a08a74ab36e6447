import Foundation

/// The fields of dbt's `target/manifest.json` that WarehouseSync reads
/// (https://docs.getdbt.com/reference/artifacts/manifest-json): nodes, disabled nodes and sources,
/// with their relations and documented columns. Everything else of the file is ignored.
public struct DbtManifest: Decodable, Sendable {
    /// A model, seed, snapshot or source: where it lives in the warehouse and its documented columns.
    public struct Node: Decodable, Sendable {
        public var uniqueID: String
        /// `model`, `seed`, `snapshot`, `source`, `test`, ...
        public var resourceType: String
        public var packageName: String
        public var name: String
        /// A source's name (`source('source_name', ...)`); nil for other nodes.
        public var sourceName: String?
        /// A versioned model's version, as text (`2`, `1.5`); nil when unversioned.
        public var version: String?
        public var latestVersion: String?
        public var database: String?
        public var schema: String?
        /// The relation's name for models (`alias`) and sources (`identifier`).
        public var alias: String?
        /// The relation as dbt's adapter quotes it (`"db"."schema"."alias"`), when dbt wrote it.
        public var relationName: String?
        /// Documented column names, lower-cased.
        public var columns: Set<String>
        /// `config.enabled`; true when absent.
        public var enabled: Bool
        /// `config.materialized` (`table`, `view`, `incremental`, `ephemeral`, ...); nil when absent.
        public var materialized: String?

        /// An ephemeral model: dbt inlines it as a CTE into the models that ref it, so it has no
        /// relation in the warehouse (`relation_name` is null).
        public var isEphemeral: Bool { materialized == "ephemeral" && (relationName ?? "").isEmpty }

        enum Keys: String, CodingKey {
            case uniqueID = "unique_id"
            case resourceType = "resource_type"
            case packageName = "package_name"
            case name
            case sourceName = "source_name"
            case version
            case latestVersion = "latest_version"
            case database, schema, alias
            case identifier
            case relationName = "relation_name"
            case columns, config
        }

        struct Config: Decodable {
            var enabled: Bool?
            var materialized: String?
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            uniqueID = try c.decode(String.self, forKey: .uniqueID)
            resourceType = try c.decodeIfPresent(String.self, forKey: .resourceType) ?? ""
            packageName = try c.decodeIfPresent(String.self, forKey: .packageName) ?? ""
            name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
            sourceName = try c.decodeIfPresent(String.self, forKey: .sourceName)
            version = try c.decodeIfPresent(VersionText.self, forKey: .version)?.text
            latestVersion = try c.decodeIfPresent(VersionText.self, forKey: .latestVersion)?.text
            database = try c.decodeIfPresent(String.self, forKey: .database)
            schema = try c.decodeIfPresent(String.self, forKey: .schema)
            alias =
                try c.decodeIfPresent(String.self, forKey: .alias)
                ?? c.decodeIfPresent(String.self, forKey: .identifier)
            relationName = try c.decodeIfPresent(String.self, forKey: .relationName)
            let documented = try c.decodeIfPresent([String: AnyDecodable].self, forKey: .columns) ?? [:]
            columns = Set(documented.keys.map { $0.lowercased() })
            let config = try c.decodeIfPresent(Config.self, forKey: .config)
            enabled = config?.enabled ?? true
            materialized = config?.materialized
        }

        /// `database.schema.alias` with each part quoted by `quote`, or `relation_name` when dbt wrote one.
        public func relation(quote: (String) -> String) -> String {
            if let relationName, !relationName.isEmpty { return relationName }
            return [database, schema, alias ?? name].compactMap { $0 }.filter { !$0.isEmpty }.map(quote)
                .joined(separator: ".")
        }
    }

    /// A version number or string, as text.
    struct VersionText: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) {
                text = String(n)
            } else if let d = try? c.decode(Double.self) {
                text = String(d)
            } else {
                text = try c.decode(String.self)
            }
        }
    }

    /// Skips any JSON value.
    struct AnyDecodable: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// The root project's name (`metadata.project_name`), which wins when packages share a model name.
    public var projectName: String?
    /// `metadata.dbt_schema_version`'s number (12 for `.../manifest/v12.json`); nil when absent.
    public var schemaVersion: Int?
    /// A warning when the manifest is newer than the newest layout WarehouseSync was tested with.
    public var versionWarning: String? {
        DbtArtifact.newerWarning(schemaVersion, DbtArtifact.manifestVersions, artifact: "manifest")
    }
    /// Enabled models, seeds, snapshots (and tests, which no ref names), by unique id.
    public var nodes: [String: Node]
    /// Sources by unique id.
    public var sources: [String: Node]
    /// Disabled nodes and sources.
    public var disabled: [Node]

    enum Keys: String, CodingKey { case metadata, nodes, sources, disabled }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let metadata = try c.decodeIfPresent(DbtArtifact.Metadata.self, forKey: .metadata)
        projectName = metadata?.projectName
        schemaVersion = try metadata?.checkedVersion(DbtArtifact.manifestVersions, artifact: "manifest")
        nodes = try c.decodeIfPresent([String: Node].self, forKey: .nodes) ?? [:]
        sources = try c.decodeIfPresent([String: Node].self, forKey: .sources) ?? [:]
        disabled = (try c.decodeIfPresent([String: [Node]].self, forKey: .disabled) ?? [:]).values.flatMap { $0 }
            .sorted { $0.uniqueID < $1.uniqueID }
    }

    /// Decodes a manifest's bytes.
    /// - Throws: `DbtArtifact.Problem` when the JSON is not a dbt manifest (the JSON path and what
    ///   is wrong there) or one older than v7 (dbt 1.3).
    public static func decode(_ data: Data) throws(DbtArtifact.Problem) -> DbtManifest {
        try DbtArtifact.decode(
            DbtManifest.self, from: data,
            hint: "point [dbt] manifest at dbt's target/manifest.json, written by `dbt parse`")
    }
}

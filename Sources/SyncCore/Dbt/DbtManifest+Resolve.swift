/// How a reference resolves in a manifest: the node, or why there is none.
public enum DbtResolution: Sendable {
    case found(DbtManifest.Node)
    /// No enabled node by that name: the message and a hint with the closest names.
    case missing(message: String, hint: String)
}

extension DbtManifest {
    /// The resource types `ref()` can name.
    static let referable: Set<String> = ["model", "seed", "snapshot"]

    /// The node `reference` names, as dbt resolves it: a model, seed or snapshot by name (in
    /// `package`, else the root project's first), the given version or else the latest; a source by
    /// source and table name. A disabled node is missing, with a hint that says so.
    public func resolve(_ reference: DbtReference) -> DbtResolution {
        switch reference.target {
        case .source(let source, let table):
            if let node = sources.values.first(where: { $0.sourceName == source && $0.name == table }) {
                return .found(node)
            }
            if disabled.contains(where: { $0.resourceType == "source" && $0.sourceName == source && $0.name == table })
            {
                return .missing(
                    message: "\(reference) names a disabled dbt source",
                    hint: "enable the source in the dbt project (config: enabled: true), or read another relation")
            }
            let known = sources.values.map { "source('\($0.sourceName ?? "")', '\($0.name)')" }
            return .missing(
                message: "\(reference) is not a source of the dbt manifest",
                hint: Self.closest(to: "source('\(source)', '\(table)')", in: known))
        case .node(let package, let name, let version):
            func matches(_ node: Node) -> Bool {
                Self.referable.contains(node.resourceType) && node.name == name
                    && (package == nil || node.packageName == package)
            }
            var candidates = nodes.values.filter(matches).sorted { $0.uniqueID < $1.uniqueID }
            let own = candidates.filter { $0.packageName == projectName }
            if package == nil, !own.isEmpty { candidates = own }
            if let version {
                candidates = candidates.filter { $0.version == version }
            } else if candidates.contains(where: { $0.version != nil }) {
                let latest =
                    candidates.first?.latestVersion
                    ?? candidates.compactMap(\.version).max { (Double($0) ?? 0) < (Double($1) ?? 0) }
                candidates = candidates.filter { $0.version == latest }
            }
            if let node = candidates.first { return .found(node) }
            if disabled.contains(where: { matches($0) && (version == nil || $0.version == version) }) {
                return .missing(
                    message: "\(reference) names a disabled dbt model (config enabled: false)",
                    hint: "enable the model in the dbt project, or ref another one")
            }
            if version != nil, nodes.values.contains(where: matches) {
                let versions = nodes.values.filter(matches).compactMap(\.version).sorted()
                return .missing(
                    message: "\(reference): dbt model \(name) has no version \(version ?? "")",
                    hint: "its versions are \(versions.joined(separator: ", "))")
            }
            let known = Set(nodes.values.filter { Self.referable.contains($0.resourceType) }.map(\.name))
            return .missing(
                message: "\(reference) is not a model, seed or snapshot of the dbt manifest",
                hint: Self.closest(to: name, in: Array(known)))
        }
    }

    /// "did you mean a, b?" with up to three names closest to `name`, or a hint to run dbt parse.
    static func closest(to name: String, in known: [String]) -> String {
        let ranked = known.map { ($0, editDistance($0, name)) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        // A rename often keeps the old name inside the new one (orders → orders_v2).
        let near = ranked.filter { $0.1 <= max(3, name.count / 2) || $0.0.contains(name) || name.contains($0.0) }
            .prefix(3).map(\.0)
        guard !near.isEmpty else {
            return "check the name in the dbt project; if it is new there, run dbt parse to refresh the manifest"
        }
        return "did you mean \(near.joined(separator: ", "))? If the name is new in the dbt project, run dbt parse "
            + "to refresh the manifest"
    }
}

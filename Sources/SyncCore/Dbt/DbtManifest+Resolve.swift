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
            return resolveNode(reference, package: package, name: name, version: version)
        }
    }

    /// `resolve` for a `ref()`: dbt's rules, and dbt's refusals (a name two packages define, an
    /// ephemeral model, which has no relation).
    func resolveNode(_ reference: DbtReference, package: String?, name: String, version: String?) -> DbtResolution {
        func matches(_ node: Node) -> Bool {
            Self.referable.contains(node.resourceType) && node.name == name
                && (package == nil || node.packageName == package)
        }
        var candidates = nodes.values.filter(matches).sorted { $0.uniqueID < $1.uniqueID }
        let own = candidates.filter { $0.packageName == projectName }
        if package == nil, !own.isEmpty { candidates = own }
        let packages = Set(candidates.map(\.packageName)).sorted()
        if package == nil, packages.count > 1 {
            return .missing(
                message: "\(reference) is ambiguous: dbt packages \(packages.joined(separator: " and ")) both "
                    + "define \(name), and neither is the root project",
                hint: "name the package, as dbt requires: "
                    + packages.map { "ref('\($0)', '\(name)')" }.joined(separator: " or "))
        }
        let versioned = candidates.contains { $0.version != nil }
        if let version {
            if !candidates.isEmpty, !versioned {
                return .missing(
                    message: "\(reference): dbt model \(name) is not versioned, so it has no version \(version)",
                    hint: "remove the version: ref('\(name)'), or declare versions for the model in the dbt project")
            }
            let versions = candidates.compactMap(\.version).sorted()
            candidates = candidates.filter { $0.version == version }
            if candidates.isEmpty, !versions.isEmpty,
                !disabled.contains(where: { matches($0) && $0.version == version })
            {
                return .missing(
                    message: "\(reference): dbt model \(name) has no version \(version)",
                    hint: "its versions are \(versions.joined(separator: ", "))")
            }
        } else if versioned {
            let latest =
                candidates.first?.latestVersion
                ?? candidates.compactMap(\.version).max { (Double($0) ?? 0) < (Double($1) ?? 0) }
            candidates = candidates.filter { $0.version == latest }
        }
        if let node = candidates.first {
            guard !node.isEphemeral else {
                return .missing(
                    message: "\(reference) names an ephemeral dbt model (materialized: ephemeral), which has no "
                        + "relation in the warehouse: dbt inlines it into the models that ref it",
                    hint: "ref a materialized dbt model (table, view or incremental) that selects from it, or "
                        + "materialize this one")
            }
            return .found(node)
        }
        if disabled.contains(where: { matches($0) && (version == nil || $0.version == version) }) {
            return .missing(
                message: "\(reference) names a disabled dbt model (config enabled: false)",
                hint: "enable the model in the dbt project, or ref another one")
        }
        let referable = nodes.values.filter { Self.referable.contains($0.resourceType) }
        if let package, !referable.contains(where: { $0.packageName == package }) {
            let known = Set(referable.map(\.packageName)).sorted()
            let having = Set(referable.filter { $0.name == name }.map(\.packageName)).sorted()
            let near = known.min { editDistance($0, package) < editDistance($1, package) }
            return .missing(
                message: "\(reference): the dbt manifest has no package \(package)",
                hint: (near.map { "did you mean package \($0)? " } ?? "")
                    + (having.isEmpty
                        ? "The packages are \(known.joined(separator: ", "))"
                        : "\(name) is in \(having.count == 1 ? "package" : "packages") "
                            + having.joined(separator: ", ")))
        }
        let known = Set(referable.map(\.name))
        return .missing(
            message: "\(reference) is not a model, seed or snapshot of the dbt manifest",
            hint: Self.closest(to: name, in: Array(known)))
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

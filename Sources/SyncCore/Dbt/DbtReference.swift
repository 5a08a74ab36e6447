/// A `{{ ref(...) }}` or `{{ source(...) }}` in a model's query (docs/dbt.md): what it names and
/// the model file's line it is on.
public struct DbtReference: Sendable, Hashable, CustomStringConvertible {
    /// What the reference names.
    public enum Target: Sendable, Hashable {
        /// `ref('name')`, `ref('package', 'name')`, `ref('name', v=2)`: a model, seed or snapshot.
        case node(package: String?, name: String, version: String?)
        /// `source('source_name', 'table')`.
        case source(source: String, table: String)
    }

    public var target: Target
    /// The model file's line of the reference's `{{`.
    public var line: Int

    public init(target: Target, line: Int) {
        self.target = target
        self.line = line
    }

    /// The reference as dbt spells it, without the braces: `ref('name')`, `ref('pkg', 'name', v=2)`,
    /// `source('src', 'table')`; what `depends_on` of an exposure lists.
    public var description: String {
        switch target {
        case .node(let package, let name, let version):
            let names = ([package, name].compactMap { $0 }).map { "'\($0)'" }.joined(separator: ", ")
            return "ref(\(names)\(version.map { ", v=\($0)" } ?? ""))"
        case .source(let source, let table):
            return "source('\(source)', '\(table)')"
        }
    }
}

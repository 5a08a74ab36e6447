import SyncCore

/// The skip's probe over the REST API (docs/cost.md): the tables a query reads, from its dry run's
/// `referencedTables` (views resolved by BigQuery) and the names its text gives, each with its
/// `lastModifiedTime` from tables.get (metadata: no bytes billed), which BigQuery moves with every
/// change of the table's data or schema (https://cloud.google.com/bigquery/docs/reference/rest/v2/tables).
/// Pure but for `read`, which the warehouse passes.
enum BigQueryTableProbe {
    /// A table named by project, dataset and table.
    struct Name: Hashable, Sendable {
        var project: String
        var dataset: String
        var table: String
        var qualified: String { "\(project).\(dataset).\(table)" }
    }

    /// `parts` (`table`, `dataset.table` or `project.dataset.table`) in full; nil for a name that needs a
    /// default dataset the source has not, or a name of another shape.
    static func name(_ parts: [String], project: String, dataset: String?) -> Name? {
        guard parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        switch parts.count {
        case 1: return dataset.map { Name(project: project, dataset: $0, table: parts[0]) }
        case 2: return Name(project: project, dataset: parts[0], table: parts[1])
        case 3: return Name(project: parts[0], dataset: parts[1], table: parts[2])
        default: return nil
        }
    }

    /// Each table's counters (`lastModifiedTime` in milliseconds); nil when one cannot be read, is a
    /// view or an external table (whose time says nothing of the data read), or has no time: the run
    /// is then never skipped.
    static func counters(_ names: Set<Name>, read: (Name) throws -> BigQueryAPI.Table) -> Result<
        [String: [Int64]], Unjudged
    > {
        var relations: [String: [Int64]] = [:]
        for name in names.sorted(by: { $0.qualified < $1.qualified }) {
            let table: BigQueryAPI.Table
            do { table = try read(name) } catch {
                return .failure(Unjudged("cannot read table \(name.qualified)'s metadata: \(error)"))
            }
            guard (table.type ?? "TABLE") == "TABLE" else {
                return .failure(
                    Unjudged(
                        "\(name.qualified) is a \(table.type ?? ""), "
                            + "whose lastModifiedTime does not move with what it reads"))
            }
            guard let modified = table.lastModifiedTime.flatMap({ Int64($0) }) else {
                return .failure(Unjudged("table \(name.qualified) has no lastModifiedTime"))
            }
            relations[name.qualified] = [modified]
        }
        return .success(relations)
    }

    /// Why the tables' times cannot say the sources are unchanged.
    struct Unjudged: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

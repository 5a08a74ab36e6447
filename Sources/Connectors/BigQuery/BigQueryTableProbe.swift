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
    static func counters(_ names: Set<Name>, read: (Name) throws -> BigQueryAPI.Table) -> [String: [Int64]]? {
        var relations: [String: [Int64]] = [:]
        for name in names {
            guard let table = try? read(name), (table.type ?? "TABLE") == "TABLE",
                let modified = table.lastModifiedTime.flatMap({ Int64($0) })
            else { return nil }
            relations[name.qualified] = [modified]
        }
        return relations
    }
}

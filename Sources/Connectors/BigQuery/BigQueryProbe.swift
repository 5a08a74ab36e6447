import SyncCore

/// docs/cost.md on BigQuery, as SQL. BigQuery has no `EXPLAIN`: the tables a query reads are those
/// the model's previous run read (`INFORMATION_SCHEMA.JOBS_BY_USER.referenced_tables` of the job
/// labelled with that run, views resolved by BigQuery) together with those its text names, and
/// each table's (or view's) `last_modified_time` comes from its dataset's `__TABLES__`
/// (metadata: no bytes billed). Pure.
public enum BigQueryProbe {
    /// `project.dataset.table` of each table the job of run `runID` referenced.
    /// - Parameter region: the region whose `INFORMATION_SCHEMA` holds the job (`us`, `eu`).
    public static func referencedTables(runID: String, region: String) -> String {
        let jobs =
            BigQueryDialect(region: region).regionSchema
            + ".INFORMATION_SCHEMA.JOBS_BY_USER"
        let label = BigQueryDialect().literal(BigQueryDialect.label(runID))
        return """
            SELECT DISTINCT CONCAT(t.project_id, '.', t.dataset_id, '.', t.table_id) AS table_name
            FROM \(jobs) AS j, UNNEST(j.referenced_tables) AS t
            WHERE EXISTS (SELECT 1 FROM UNNEST(j.labels) AS l
                          WHERE l.key = 'warehouse_sync_run' AND l.value = \(label))
            """
    }

    /// One row per table, `(table_name, last_modified_time)` in milliseconds since the epoch,
    /// from each dataset's `__TABLES__`; `tables` are `project.dataset.table` or
    /// `dataset.table` (the connection's project). Names of another shape are left out.
    public static func lastModified(_ tables: [String]) -> String? {
        var byDataset: [String: [String]] = [:]
        for name in Set(tables) {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { continue }
            byDataset[parts.dropLast().joined(separator: "."), default: []].append(parts[parts.count - 1])
        }
        guard !byDataset.isEmpty else { return nil }
        return byDataset.keys.sorted().map { dataset in
            let meta =
                dataset.split(separator: ".").map { BigQueryDialect().quote(identifier: String($0)) }
                .joined(separator: ".") + ".__TABLES__"
            let names = byDataset[dataset]!.sorted().map { BigQueryDialect().literal($0) }.joined(separator: ", ")
            return "SELECT CONCAT(\(BigQueryDialect().literal(dataset + ".")), table_id) AS table_name, "
                + "last_modified_time FROM \(meta) WHERE table_id IN (\(names))"
        }.joined(separator: "\nUNION ALL\n")
    }
}

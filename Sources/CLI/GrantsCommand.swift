import Connectors
import Drivers
import Foundation
import Stores
import SyncCore
import WarehouseSync

/// `grants [--role NAME] [--strict] [--json]`: the least-privilege check of every source.
enum GrantsCommand {
    static let defaultGrantee = "warehouse_sync_reader"

    static let spec = CommandSpec(
        name: "grants", usage: "warehouse-sync [--project DIR] grants [--role NAME] [--strict] [--json]",
        summary:
            "list what each model reads, the GRANTs a least-privilege role needs, and what the configured role can do "
            + "beyond that",
        details: """
            For each source: the tables and views each model reads (PostgreSQL: from EXPLAIN (FORMAT JSON, VERBOSE)
            and the names in the query), the GRANT statements that give a fresh role exactly that access (--role
            names the role; default \(defaultGrantee)), and a warning for each thing the configured role can do
            beyond it: superuser, CREATEROLE, CREATEDB, membership of pg_signal_backend and the server-file roles,
            writes on any table, CREATE on the database or any schema, SELECT on tables no model reads.
            --strict exits 2 when there is any warning (as validate --connect --strict does).
            """,
        flags: ["--json", "--strict"], options: ["--role"])

    static let command = Command(spec: spec) { args, env in
        let project = try env.loadProject()
        let grantee = args.option("--role") ?? defaultGrantee
        let reports = try await check(project, grantee: grantee)
        if args.has("--json") {
            env.console.json(["sources": reports])
        } else {
            for report in reports { env.console.print(render(report)) }
        }
        let warnings = reports.reduce(0) { $0 + $1.warnings.count }
        return args.has("--strict") && warnings > 0 ? ExitStatus.usage : ExitStatus.success
    }

    /// Checks every source with enabled models, in name order.
    /// - Throws: `ProjectErrors` naming the config line of a source that cannot be checked.
    static func check(_ project: Project, grantee: String) async throws -> [PrivilegeReport] {
        let directory = project.directory
        let config = project.config
        let models = project.models.filter(\.enabled)
        return try await runBlocking { _ in
            var reports: [PrivilegeReport] = []
            var problems: [ProjectError] = []
            for (name, source) in config.sources.sorted(by: { $0.key < $1.key }) {
                do {
                    reports.append(
                        try PrivilegeReport.check(
                            source: name, config: source, models: models.filter { $0.source == name },
                            grantee: grantee, projectDirectory: directory))
                } catch {
                    problems.append(
                        ProjectError(
                            file: config.file, line: source.line,
                            "cannot check the privileges of source \(name): \(error)",
                            hint: "the source must be reachable with the configured credentials",
                            code: .warehouse))
                }
            }
            if !problems.isEmpty { throw ProjectErrors(problems) }
            return reports
        }
    }

    static func render(_ report: PrivilegeReport) -> String {
        var lines = ["source \(report.source) (\(report.kind)\(report.role.map { ", role \($0)" } ?? "")):"]
        if let note = report.note { lines.append("  not checked: \(note)") }
        for model in report.models {
            lines.append(
                "  model \(model.model) reads: "
                    + "\(model.relations.isEmpty ? "(no relation)" : model.relations.joined(separator: ", "))"
            )
            if !model.throughViews.isEmpty {
                lines.append(
                    "    and, through those views: \(model.throughViews.joined(separator: ", ")) (the views' owners "
                        + "need these, not the role)"
                )
            }
        }
        if !report.grants.isEmpty {
            lines.append("  grants for a least-privilege role:")
            lines += report.grants.map { "    \($0)" }
        }
        lines += report.warnings.map { "  warning: \($0.message)" }
        if report.checked && report.warnings.isEmpty {
            lines.append("  ok: the role can do nothing beyond what the models read")
        }
        return lines.joined(separator: "\n")
    }
}

import Foundation
import Testing

@testable import SyncCore
@testable import WarehouseSync

/// docs/project.md: the `[dbt]` table.
@Suite struct DbtConfigTests {
    func load(_ dbt: String, environment: [String: String] = [:]) -> (ProjectConfig?, [String]) {
        let (config, errors) = ProjectConfig.loadCollecting(
            text: "[sources.wh]\nkind = \"sqlite\"\npath = \"w.db\"\n[dbt]\n" + dbt, file: "warehouse-sync.toml",
            environment: environment)
        return (config, errors.map(\.description))
    }

    @Test func everyKeyIsRead() throws {
        let (config, errors) = load(
            """
            project_dir = "../analytics"
            manifest = "build/manifest.json"
            webhook_secret = "${DBT_SECRET}"
            cloud_job_ids = [123, 4_567]
            owner_name = "Data"
            owner_email = "data@example.com"
            """, environment: ["DBT_SECRET": "a-long-webhook-secret"])
        #expect(errors.isEmpty)
        let dbt = try #require(config?.dbt)
        #expect(dbt.cloudJobIDs == [123, 4567])
        #expect(dbt.webhookSecret?.reveal() == "a-long-webhook-secret")
        #expect(dbt.manifestURL(in: URL(fileURLWithPath: "/p")).path == "/analytics/build/manifest.json")
        #expect(config?.secrets.redact("x a-long-webhook-secret y") == "x ••• y")
    }

    @Test func mistakesAreErrorsWithTheirLines() {
        #expect(
            load("manifest = \"m.json\"\n").1 == [
                "warehouse-sync.toml:4: [dbt] has no project_dir\n  hint: add project_dir = \"../analytics\": the dbt "
                    + "project's directory, where dbt_project.yml is"
            ])
        #expect(
            load("project_dir = \"a\"\ncloud_job_ids = [\"1\"]\n").1.first?.hasPrefix(
                "warehouse-sync.toml:6: cloud_job_ids must be an array of job ids") == true)
        #expect(load("project_dir = \"a\"\nwebhook_secret = \"short\"\n").1.first?.contains("shorter than 16") == true)
        #expect(load("project_dir = \"a\"\nmanifst = \"m\"\n").1.first?.contains("did you mean manifest?") == true)
        #expect(load("project_dir = \"a\"\ncloud_job_ids = [1, \"2\"]\n").1.first?.contains("only integers") == true)
        let (config, unset) = load("project_dir = \"a\"\nwebhook_secret = \"${NOPE}\"\n")
        #expect(unset.isEmpty, "only serve needs the secret")
        #expect(config?.serveOnlyProblems.first?.message.contains("NOPE") == true)
    }

    @Test func dbtOptionsRefuseWhatTheyCannotUseWithExitStatusTwo() async throws {
        let project = try temporaryProject([
            "warehouse-sync.toml": "[sources.wh]\nkind = \"sqlite\"\npath = \"w.db\"\n",
            "models/m.sql": "-- key: id\nSELECT 'a' AS id, 1 AS v\n",
        ])
        defer { try? FileManager.default.removeItem(at: project) }
        let missing = await runCLI(["sync", "--after-dbt", "nope.json"], in: project)
        #expect(missing.status == 2)
        #expect(missing.err.contains("nope.json: cannot read dbt's run results: it does not exist"), "\(missing.err)")
        #expect(missing.err.contains("hint: run dbt run or dbt build in the dbt project first"), "\(missing.err)")
        let named = await runCLI(["sync", "m", "--after-dbt", "nope.json"], in: project)
        #expect(named.status == 2)
        let noTable = await runCLI(["validate", "--dbt-manifest", "x.json"], in: project)
        #expect(noTable.status == 2)
        #expect(noTable.err.contains("has no [dbt] table"), "\(noTable.err)")
        let withRef = try temporaryProject([
            "warehouse-sync.toml": "[sources.wh]\nkind = \"sqlite\"\npath = \"w.db\"\n",
            "models/m.sql": "-- key: id\nSELECT id\nFROM {{ ref('customers') }}\n",
        ])
        defer { try? FileManager.default.removeItem(at: withRef) }
        let validate = await runCLI(["validate"], in: withRef)
        #expect(validate.status == 2)
        #expect(
            validate.err.contains(
                "models/m.sql:3: model m uses ref('customers') but warehouse-sync.toml has no [dbt] "),
            "\(validate.err)")
    }

    @Test func anArtifactThatCannotBeReadOrIsAnotherProjectsIsSaidPlainly() async throws {
        let node = """
            {"unique_id": "model.shop.customers", "resource_type": "model", "package_name": "shop",
             "name": "customers", "relation_name": "customers", "columns": {}, "config": {"enabled": true}}
            """
        func manifest(_ version: Int) -> String {
            """
            {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v\(version).json",
             "project_name": "shop"}, "nodes": {"model.shop.customers": \(node)}, "sources": {}, "disabled": {}}
            """
        }
        let toml = "[sources.wh]\nkind = \"sqlite\"\npath = \"w.db\"\n[dbt]\nproject_dir = \"analytics\"\n"
        let project = try temporaryProject([
            "warehouse-sync.toml": toml,
            "models/m.sql": "-- key: id\nSELECT id FROM {{ ref('customers') }}\n",
            "analytics/target/manifest.json": manifest(12),
            "analytics/target/run_results.json":
                "{\"results\": [{\"unique_id\": \"model.other.x\", \"status\": \"success\"}, "
                + "{\"unique_id\": \"model.other.y\", \"status\": \"success\"}]}",
            "analytics/target/bad_results.json": "{\"metadata\": {}}",
            "analytics/other/manifest.json/x": "",
        ])
        defer { try? FileManager.default.removeItem(at: project) }
        let foreign = await runCLI(["sync", "--after-dbt", "analytics/target/run_results.json"], in: project)
        #expect(foreign.status == 0, "\(foreign.err)")
        #expect(
            foreign.err.contains(
                "warning: none of the 2 dbt nodes in \(project.path)/analytics/target/run_results.json is in the "
                    + "manifest \(project.path)/analytics/target/manifest.json (dbt project shop)"),
            "\(foreign.err)")
        #expect(foreign.err.contains("the file is likely from another dbt project, or the manifest is stale"))
        let bad = await runCLI(["sync", "--after-dbt", "analytics/target/bad_results.json"], in: project)
        #expect(bad.status == 2)
        #expect(bad.err.contains("bad_results.json: not dbt's run_results.json: $.results is missing"), "\(bad.err)")
        #expect(!bad.err.contains("DecodingError"), "\(bad.err)")

        let manifestURL = project.appendingPathComponent("analytics/target/manifest.json")
        try manifest(13).write(to: manifestURL, atomically: true, encoding: .utf8)
        let newer = await runCLI(["validate"], in: project)
        #expect(newer.status == 0, "\(newer.err)")
        #expect(newer.err.contains("manifest.json: it is a v13 manifest, newer than v12"), "\(newer.err)")
        try "not json {".write(to: manifestURL, atomically: true, encoding: .utf8)
        let notJSON = await runCLI(["validate"], in: project)
        #expect(notJSON.status == 2)
        #expect(notJSON.err.contains("is not a dbt manifest WarehouseSync can read: it is not JSON"), "\(notJSON.err)")
        let config = project.appendingPathComponent("warehouse-sync.toml")
        try (toml + "manifest = \"other/manifest.json\"\n").write(to: config, atomically: true, encoding: .utf8)
        let directory = await runCLI(["validate"], in: project)
        #expect(directory.err.contains("other/manifest.json: it is a directory"), "\(directory.err)")
        #expect(directory.err.contains("hint: set [dbt] manifest to the file"), "\(directory.err)")
    }
}

import Foundation
import Testing

@testable import SyncCore

/// docs/dbt.md: a dbt artifact WarehouseSync cannot read is named by its JSON path, and its schema
/// version is checked.
@Suite struct DbtArtifactTests {
    func manifestProblem(_ json: String) -> DbtArtifact.Problem? {
        do {
            _ = try DbtManifest.decode(Data(json.utf8))
            return nil
        } catch { return error }
    }

    func runResultsProblem(_ json: String) -> DbtArtifact.Problem? {
        do {
            _ = try DbtRunResults.decode(Data(json.utf8))
            return nil
        } catch { return error }
    }

    @Test func aFileThatIsNotAnArtifactSaysWhereAndWhat() {
        #expect(manifestProblem("not json {")?.message == "it is not JSON")
        #expect(manifestProblem("{\"nodes\": []}")?.message == "$.nodes is not an object")
        #expect(
            manifestProblem("{\"nodes\": {\"model.shop.a\": {\"name\": \"a\"}}}")?.message
                == "$.nodes[\"model.shop.a\"].unique_id is missing")
        #expect(manifestProblem("{\"nodes\": []}")?.hint.contains("target/manifest.json") == true)
        #expect(runResultsProblem("{\"metadata\": {}}")?.message == "$.results is missing")
        #expect(
            runResultsProblem("{\"results\": [{\"unique_id\": \"m\", \"status\": 3}]}")?.message
                == "$.results[0].status is not a string")
        #expect(runResultsProblem("{\"results\": null}")?.message == "$.results is null")
    }

    @Test func aManifestOlderThanDbt13IsRefusedAndANewerOneWarned() throws {
        func manifest(_ version: Int) -> String {
            """
            {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v\(version).json",
             "dbt_version": "1.x"}, "nodes": {}}
            """
        }
        #expect(
            manifestProblem(manifest(6))?.message
                == "it is a v6 manifest (dbt 1.x), older than v7, the oldest layout WarehouseSync reads")
        #expect(manifestProblem(manifest(6))?.hint.hasPrefix("upgrade dbt in the dbt project") == true)
        #expect(try DbtManifest.decode(Data(manifest(7).utf8)).versionWarning == nil)
        #expect(try DbtManifest.decode(Data(manifest(12).utf8)).versionWarning == nil)
        #expect(
            try DbtManifest.decode(Data(manifest(13).utf8)).versionWarning?.hasPrefix(
                "it is a v13 manifest, newer than v12, the newest WarehouseSync was tested with") == true)
        let results = { (version: Int) in
            """
            {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v\(version).json"},
             "results": []}
            """
        }
        #expect(runResultsProblem(results(3))?.message.hasPrefix("it is a v3 run_results.json") == true)
        #expect(try DbtRunResults.decode(Data(results(6).utf8)).versionWarning == nil)
        #expect(try DbtRunResults.decode(Data(results(7).utf8)).versionWarning?.contains("newer than v6") == true)
        #expect(DbtArtifact.schemaNumber("https://schemas.getdbt.com/dbt/manifest/v12.json") == 12)
        #expect(DbtArtifact.schemaNumber("nonsense") == nil)
    }
}

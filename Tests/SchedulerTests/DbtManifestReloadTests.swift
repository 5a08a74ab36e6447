import Foundation
import TestSupport
import Testing

/// A `dbt parse` while `serve` runs changes what its models read: the new manifest is read at once.
@Suite(.serialized, .enabled(if: TestDbt.enabled)) struct DbtManifestReloadTests {
    @Test func aNewManifestReloadsTheProject() throws {
        let project = try DbtCloudHookTests.Project()
        let (serve, _) = try project.serve()
        defer {
            serve.process.interrupt()
            _ = serve.wait(timeout: 15)
        }
        #expect(!serve.stderr.contains("\"event\":\"reloaded\""))
        let manifest = project.directory.appendingPathComponent("analytics/target/manifest.json")
        // As dbt writes it: the whole file anew.
        try Data(contentsOf: manifest).write(to: manifest, options: .atomic)
        #expect(
            try ServeAPITests.waitFor(15) { serve.stderr.contains("\"event\":\"reloaded\"") },
            "serve logged no reload:\n\(serve.stderr)")
        #expect(serve.stderr.contains("\"reason\":\"files changed\""))
    }
}

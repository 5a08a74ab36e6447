import Foundation
import Testing

@testable import Connectors
@testable import SyncCore
@testable import WarehouseSync

/// `kind = "bigquery"` reads through the REST API (`project` and its keys) or ODBC, exactly one of them
/// (docs/warehouses.md).
@Suite struct BigQuerySourceConfigTests {
    static let api = """
        [sources.bq]
        kind = "bigquery"
        project = "my-project"
        dataset = "marts"
        location = "EU"
        token = "${BQ_TOKEN}"
        """

    @Test func theAPIRouteReadsEveryKeyAndItsTokenFromTheEnvironment() throws {
        let config = try ProjectConfig.load(text: Self.api, file: "w.toml", environment: ["BQ_TOKEN": "ya29.tok-1"])
        let source = try #require(config.sources["bq"])
        let api = try #require(source.api)
        #expect(api.url == "https://bigquery.googleapis.com")
        #expect(api.project == "my-project" && api.dataset == "marts" && source.region == "eu")
        #expect(api.token?.reveal() == "ya29.tok-1")
        #expect(!"\(api.token!)".contains("ya29.tok-1"))
        #expect(config.secrets.redact("it was ya29.tok-1") == "it was •••")
        #expect(
            BigQueryAPISource.location("eu") == "EU" && BigQueryAPISource.location("europe-west3") == "europe-west3")
    }

    @Test func aRelativeCredentialsFileIsReadFromTheProjectDirectory() throws {
        let text = "[sources.bq]\nkind = \"bigquery\"\nproject = \"p\"\ncredentials_file = \"keys/sa.json\""
        let config = try ProjectConfig.load(text: text, file: "w.toml", environment: [:])
        let resolved = try #require(config.sources["bq"]?.resolvedAPI(projectDirectory: URL(fileURLWithPath: "/p")))
        #expect(resolved.credentialsPath == "/p/keys/sa.json")
    }

    @Test(arguments: [
        ("[sources.a]\nkind = \"bigquery\"", 1, "source a (bigquery) needs project"),
        (
            "[sources.a]\nkind = \"bigquery\"\nproject = \"p\"\nodbc = \"DSN=bq\"", 4,
            "source a has both project and odbc: they are two routes to the warehouse"
        ),
        (
            "[sources.a]\nkind = \"bigquery\"\nodbc = \"DSN=bq\"\ndataset = \"d\"", 4,
            "dataset on source a needs project"
        ),
        (
            "[sources.a]\nkind = \"bigquery\"\nproject = \"p\"\ncredentials_file = \"k.json\"\ntoken = \"t\"", 5,
            "source a has both credentials_file and token"
        ),
        (
            "[sources.a]\nkind = \"bigquery\"\nproject = \"p\"\nregion = \"us\"\nlocation = \"eu\"", 5,
            "source a has both region and location"
        ),
        (
            "[sources.a]\nkind = \"bigquery\"\nproject = \"p\"\naccount_url = \"https://x\"", 4,
            "a bigquery source has no account_url"
        ),
        (
            "[sources.a]\nkind = \"snowflake\"\naccount_url = \"https://x.snowflakecomputing.com\"\ndataset = \"d\"", 4,
            "a snowflake source has no dataset"
        ),
    ])
    func aWrongRouteNamesTheLine(text: String, line: Int, message: String) throws {
        let errors = try #require(throws: ProjectErrors.self) {
            try ProjectConfig.load(text: text, file: "w.toml", environment: [:])
        }
        #expect(errors.errors.first?.line == line)
        #expect(errors.errors.first?.message == message)
    }

    @Test func plainHTTPToAnotherHostIsRefusedWhenTheSourceOpens() throws {
        let settings = WarehouseSettings(
            api: WarehouseAPISettings(url: "http://bigquery.googleapis.com", token: Secret("t"), project: "p"))
        #expect {
            try WarehouseKind.bigquery.open(settings)
        } throws: { error in
            "\(error)".contains("is not encrypted: use https://")
        }
    }
}

import Foundation
import Testing

@testable import Connectors
@testable import SyncCore
@testable import WarehouseSync

/// `kind = "snowflake"` reads through the SQL API (`account_url` and its keys) or ODBC, exactly one of them
/// (docs/warehouses.md).
@Suite struct SnowflakeSourceConfigTests {
    static let api = """
        [sources.sf]
        kind = "snowflake"
        account_url = "https://myorg-myaccount.snowflakecomputing.com"
        user = "SYNC_READER"
        private_key_file = "keys/reader.p8"
        passphrase = "${SF_PASS}"
        warehouse = "SYNC_XS"
        database = "ANALYTICS"
        schema = "MARTS"
        role = "SYNC_READER"
        """

    @Test func theAPIRouteReadsEveryKeyAndItsSecretsFromTheEnvironment() throws {
        let config = try ProjectConfig.load(text: Self.api, file: "w.toml", environment: ["SF_PASS": "pass-phrase-1"])
        let api = try #require(config.sources["sf"]?.api)
        #expect(api.url == "https://myorg-myaccount.snowflakecomputing.com")
        #expect(
            [api.user, api.warehouse, api.database, api.schema, api.role] == [
                "SYNC_READER", "SYNC_XS", "ANALYTICS", "MARTS", "SYNC_READER",
            ])
        #expect(api.privateKeyPassphrase?.reveal() == "pass-phrase-1")
        #expect(!"\(api.privateKeyPassphrase!)".contains("pass-phrase-1"))
        #expect(config.secrets.redact("it was pass-phrase-1") == "it was •••")
        let resolved = try #require(config.sources["sf"]?.resolvedAPI(projectDirectory: URL(fileURLWithPath: "/p")))
        #expect(resolved.privateKeyPath == "/p/keys/reader.p8")
    }

    @Test(arguments: [
        ("[sources.a]\nkind = \"snowflake\"", 1, "source a (snowflake) needs account_url"),
        (
            "[sources.a]\nkind = \"snowflake\"\naccount_url = \"https://x.snowflakecomputing.com\"\nodbc = \"DSN=sf\"",
            4,
            "source a has both account_url and odbc: they are two routes to the warehouse"
        ),
        ("[sources.a]\nkind = \"snowflake\"\nodbc = \"DSN=sf\"\nuser = \"U\"", 4, "user on source a needs account_url"),
        (
            "[sources.a]\nkind = \"snowflake\"\naccount_url = \"https://x.snowflakecomputing.com\"\n"
                + "private_key_file = \"k.p8\"\ntoken = \"t\"", 5, "source a has both private_key_file and token"
        ),
        (
            "[sources.a]\nkind = \"postgres\"\nurl = \"postgres://h/d\"\naccount_url = \"https://x\"", 4,
            "a postgres source has no account_url"
        ),
        (
            "[sources.a]\nkind = \"snowflake\"\naccount_url = \"https://x.snowflakecomputing.com/api?x=1\"", 3,
            "source a: account_url \"https://x.snowflakecomputing.com/api?x=1\" has more than a scheme, host and port"
        ),
        (
            "[sources.a]\nkind = \"snowflake\"\naccount_url = \"http://x.snowflakecomputing.com\"", 3,
            "source a: account_url \"http://x.snowflakecomputing.com\": http://x.snowflakecomputing.com is not "
                + "encrypted: use https:// (plain http:// is only for 127.0.0.1 or localhost)"
        ),
        (
            "[sources.a]\nkind = \"snowflake\"\naccount_url = \"http://[::1]:8080\"", 3,
            "source a: account_url \"http://[::1]:8080\": http://[::1]: an IPv6 address in a URL is not supported "
                + "here: use a host name (or 127.0.0.1 for this machine)"
        ),
        (
            "[sources.a]\nkind = \"snowflake\"\naccount_url = \"snowflake\"", 3,
            "source a: account_url \"snowflake\" is no URL"
        ),
        (
            "[sources.a]\nkind = \"bigquery\"\nproject = \"my-project/datasets/x\"", 3,
            "source a: project \"my-project/datasets/x\" is no project id"
        ),
    ])
    func aWrongRouteNamesTheLine(text: String, line: Int, message: String) throws {
        let errors = try #require(throws: ProjectErrors.self) {
            try ProjectConfig.load(text: text, file: "w.toml", environment: [:])
        }
        #expect(errors.errors.first?.line == line)
        #expect(errors.errors.first?.message == message)
    }

    /// A key file that is not there is found by `validate` without connecting, at the source's line.
    @Test func aMissingKeyFileIsAProjectProblem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
        try "-- key: id\nSELECT 1 AS id, 2 AS v\n".write(
            to: directory.appendingPathComponent("models/m.sql"), atomically: true, encoding: .utf8)
        try """
        [sources.sf]
        kind = "snowflake"
        account_url = "https://x.snowflakecomputing.com"
        user = "U"
        private_key_file = "keys/none.p8"
        """.write(to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        let errors = try #require(throws: ProjectErrors.self) {
            try Project.load(directory: directory, environment: [:])
        }
        let problem = try #require(errors.errors.first)
        #expect(problem.line == 1)
        #expect(
            problem.message == "source sf: private_key_file \(directory.path)/keys/none.p8: it does not exist")
        #expect(problem.hint?.contains("docs/warehouses.md") == true)
    }

    /// What opening would refuse, `validate` finds without connecting: no way to authenticate, a key
    /// without its user, a file that is no key.
    @Test(arguments: [
        (
            "kind = \"snowflake\"\naccount_url = \"https://x.snowflakecomputing.com\"",
            "source s: a Snowflake source with account_url needs private_key_file or token"
        ),
        (
            "kind = \"snowflake\"\naccount_url = \"https://x.snowflakecomputing.com\"\n"
                + "private_key_file = \"/etc/hostname\"", "source s: key-pair auth needs the Snowflake user"
        ),
        (
            "kind = \"snowflake\"\naccount_url = \"https://x.snowflakecomputing.com\"\nuser = \"U\"\n"
                + "private_key_file = \"/etc/hostname\"",
            "source s: private_key_file /etc/hostname: the text is not a PEM private key"
        ),
        (
            "kind = \"bigquery\"\nproject = \"my-proj\"",
            "source s: a BigQuery source with project needs credentials_file or token"
        ),
        (
            "kind = \"bigquery\"\nproject = \"my-proj\"\ncredentials_file = \"/etc/hostname\"",
            "source s: credentials_file /etc/hostname"
        ),
    ])
    func unusableCredentialsAreFoundWithoutConnecting(source: String, message: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-creds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
        try "-- key: id\nSELECT 1 AS id, 2 AS v\n".write(
            to: directory.appendingPathComponent("models/m.sql"), atomically: true, encoding: .utf8)
        try ("[sources.s]\n" + source + "\n").write(
            to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        let errors = try #require(throws: ProjectErrors.self) {
            try Project.load(directory: directory, environment: [:])
        }
        let problem = try #require(errors.errors.first)
        #expect(problem.line == 1 && problem.message.hasPrefix(message), "\(problem.message)")
        #expect(problem.hint != nil)
    }

    @Test func plainHTTPToAnotherHostIsRefusedWhenTheSourceOpens() throws {
        let settings = WarehouseSettings(
            api: WarehouseAPISettings(url: "http://myorg.snowflakecomputing.com", token: Secret("t")))
        #expect {
            try WarehouseKind.snowflake.open(settings)
        } throws: { error in
            "\(error)".contains("is not encrypted: use https://")
        }
    }
}

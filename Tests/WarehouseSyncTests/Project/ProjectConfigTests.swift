import Foundation
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

@Suite struct ProjectConfigTests {
    static let full = """
        [store]
        url = "sqlite:.warehouse-sync/state.db"   # the default

        [scheduler]
        timezone = "Europe/Berlin"
        max_concurrent_runs = 3
        metrics_file = "/tmp/ws.prom"

        [sources.warehouse]
        kind = "postgres"
        url = "postgres://sync_reader@db.internal:5432/analytics?sslmode=require"
        password = "${WAREHOUSE_PASSWORD}"
        max_concurrent_runs = 1
        statement_timeout = "10m"

        [sources.snow]
        kind = "snowflake"
        odbc = "Driver=SnowflakeDSIIDriver;Server=acme.snowflakecomputing.com;UID=SYNC;PWD=${SNOWFLAKE_PASSWORD}"
        """

    @Test func readsEverySetting() throws {
        let config = try ProjectConfig.load(
            text: Self.full, file: "warehouse-sync.toml",
            environment: ["WAREHOUSE_PASSWORD": "pg-secret", "SNOWFLAKE_PASSWORD": "snow#secret"])
        #expect(config.timezone.identifier == "Europe/Berlin")
        #expect(config.maxConcurrentRuns == 3)
        #expect(config.metricsFile == "/tmp/ws.prom")
        let warehouse = try #require(config.sources["warehouse"])
        #expect(warehouse.kind == .postgres)
        #expect(warehouse.password?.reveal() == "pg-secret")
        #expect(warehouse.statementTimeout == .seconds(600))
        let snow = try #require(config.sources["snow"])
        #expect(snow.odbc?.reveal().hasSuffix("PWD=snow#secret") == true)
    }

    @Test func secretsNeverPrint() throws {
        let config = try ProjectConfig.load(
            text: Self.full, file: "warehouse-sync.toml",
            environment: ["WAREHOUSE_PASSWORD": "pg-secret", "SNOWFLAKE_PASSWORD": "snow#secret"])
        let printed = "\(config) \(String(describing: config.sources)) \(config.sources["snow"]!.odbc!)"
        #expect(!printed.contains("pg-secret"))
        #expect(!printed.contains("snow#secret"))
        #expect(
            Secret("postgres://u:hunter2@h/db?password=hunter3&sslmode=require").description
                == "postgres://u:•••@h/db?password=•••&sslmode=require")
        #expect(Secret("host=h password=hunter2 dbname=x").description == "host=h password=••• dbname=x")
        #expect(Secret("Driver=X;UID=u;PWD={hun;ter2};Server=s").description == "Driver=X;UID=u;PWD=•••;Server=s")
    }

    @Test func unsetVariableIsAnErrorNamingIt() throws {
        let errors = try #require(throws: ProjectErrors.self) {
            try ProjectConfig.load(
                text: Self.full, file: "warehouse-sync.toml", environment: ["WAREHOUSE_PASSWORD": "x"])
        }
        #expect(
            errors.errors.map(\.description) == [
                "warehouse-sync.toml:18: environment variable SNOWFLAKE_PASSWORD is not set (used by odbc)\n  hint: "
                    + "export SNOWFLAKE_PASSWORD before running warehouse-sync"
            ])
    }

    @Test func everyUnknownKeyAndTableIsReportedWithItsLine() throws {
        let text = """
            [store]
            uri = "sqlite:x.db"
            [schedular]
            timezone = "UTC"
            [sources.wh]
            kind = "postgres"
            url = "postgres://h/db"
            statment_timeout = "10m"
            [sources.other]
            kind = "oracle"
            """
        let errors = try #require(throws: ProjectErrors.self) {
            try ProjectConfig.load(text: text, file: "w.toml", environment: [:])
        }
        #expect(
            errors.errors.map { "\($0.line!): \($0.message)" }
                == [
                    "10: unknown source kind oracle",
                    "2: unknown key uri in [store]",
                    "3: unknown table [schedular]",
                    "8: unknown key statment_timeout in [sources.wh]",
                ].sorted { Int($0.prefix { $0 != ":" })! < Int($1.prefix { $0 != ":" })! })
        #expect(errors.errors.first { $0.line == 8 }?.hint?.hasPrefix("did you mean statement_timeout?") == true)
    }

    @Test(arguments: [
        ("[store\nurl = \"x\"", 1, "malformed table header [store"),
        ("[store]\nurl = \"x", 2, "unterminated string"),
        ("[store]\nurl = x", 2, "unsupported value (not quoted, not a number, not true or false)"),
        ("[sources.w]\npassword = \"Ab\"Cd/Ef-Secret\"", 2, "unexpected text after the string's closing quote"),
        ("[store]\ns3cret-line-without-equals", 2, "expected key = value"),
        ("[store]\nurl = \"a\"\nurl = \"b\"", 3, "key url is set twice in the same table"),
        ("[scheduler]\nmax_concurrent_runs = 0", 2, "max_concurrent_runs must be a positive integer"),
        ("[scheduler]\ntimezone = \"Mars/Olympus\"", 2, "unknown timezone Mars/Olympus"),
        ("[sources.a]\nkind = \"postgres\"", 1, "source a (postgres) needs url"),
        ("[sources.a]\nurl = \"postgres://x\"", 1, "source a has no kind"),
        ("[sources.a]\nkind = \"sqlite\"\npath = 5", 3, "path must be a string, found an integer"),
        (
            "[sources.a]\nkind = \"sqlite\"\npath = \"x\"\nstatement_timeout = \"soon\"", 4,
            "invalid duration soon for statement_timeout"
        ),
        ("name = \"x\"", 1, "unknown key name in the top level"),
    ])
    func badInputNamesTheLine(text: String, line: Int, message: String) throws {
        let errors = try #require(throws: ProjectErrors.self) {
            try ProjectConfig.load(text: text, file: "w.toml", environment: [:])
        }
        #expect(errors.errors.first?.line == line)
        #expect(errors.errors.first?.message == message)
    }

    @Test func arraysCommentsAndEscapes() throws {
        let document = try TOMLParser.parse(
            """
            a = ["x", 'y#z', "q\\"r"]  # comment
            b = [
              "one",
              "two",
            ]
            c = "tab\\there"
            d = 1_000
            e = false
            """, file: "t.toml")
        let entries = document.tables[0].entries
        #expect(
            entries.map(\.value) == [
                .strings(["x", "y#z", "q\"r"]), .strings(["one", "two"]), .string("tab\there"), .integer(1000),
                .boolean(false),
            ])
        #expect(entries.map(\.line) == [1, 2, 6, 7, 8])
    }
}

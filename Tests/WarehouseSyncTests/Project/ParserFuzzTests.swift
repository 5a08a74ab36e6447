import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Connectors
@testable import Drivers
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// No input file may crash the process: thousands of random mutations of valid config and model
/// files go through the parsers, `validate`, and a running `serve`.
@Suite struct ParserFuzzTests {
    static let configSeed = """
        # A project
        [store]
        url = "sqlite:state.db"

        [scheduler]
        timezone = "Europe/Berlin"
        max_concurrent_runs = 2
        metrics_file = "ws.prom"

        [sources.wh]
        kind = "sqlite"
        path = "warehouse.db"
        max_concurrent_runs = 1
        statement_timeout = "5m"
        region = "eu"
        """

    static let modelSeed = """
        -- Lifetime value per customer.
        -- key: id
        -- schedule: every 2s
        -- traits: v, w
        -- on_remove: keep
        -- max_removed: 10%
        -- timeout: 15m
        -- timezone: Europe/Berlin
        SELECT id, v, 'a;b' AS w FROM t /* c */ GROUP BY id, v;  -- one row per id

        """

    /// Fragments that break parsers: line ends, quotes, huge numbers, NUL, Unicode, brackets.
    static let fragments = [
        "\r\n", "\r", "\n", "\"", "'", "\\", "[", "]", "=", "#", "--", ";", "/*", "*/", "$$", "\u{0}",
        "\u{FEFF}", "é", "🙂", "99999999999999999999", "9223372036854775807", "200000000000000d",
        "9223372036854776s", "-1", "0", "%", ":", ",", "${X}", "${", "every ", "cron ", "* * * * *",
        "\t", " ", "key:", "schedule:", "timeout:", "1e400", "nan", "[[", "]]", "...",
    ]

    static func mutate(_ text: String, _ random: inout SeededRandom) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = scalars.isEmpty ? 0 : Int.random(in: 0...scalars.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !scalars.isEmpty:
                scalars.remove(at: min(position, scalars.count - 1))
            case 1, 2:
                scalars.insert(contentsOf: fragments.randomElement(using: &random)!.unicodeScalars, at: position)
            case 3:
                let lines = String(String.UnicodeScalarView(scalars)).components(separatedBy: "\n")
                var shuffled = lines
                if lines.count > 1 {
                    shuffled.swapAt(
                        Int.random(in: 0..<lines.count, using: &random), Int.random(in: 0..<lines.count, using: &random)
                    )
                }
                scalars = Array(shuffled.joined(separator: Bool.random(using: &random) ? "\r\n" : "\n").unicodeScalars)
            case 4:
                scalars = Array(scalars.prefix(position))
            default:
                scalars.insert(Unicode.Scalar(UInt8.random(in: 1...127, using: &random)), at: position)
            }
        }
        return String(String.UnicodeScalarView(scalars))
    }

    static func checkLines(_ errors: [ProjectError], _ text: String) {
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).count
        for error in errors {
            if let line = error.line { #expect(line >= 1 && line <= lines + 1, "\(error) in \(text.debugDescription)") }
            #expect(!error.message.isEmpty)
        }
    }

    @Test func thousandsOfMutatedConfigsNeverCrashAndNameALine() {
        var random = SeededRandom(state: 0xC0FF1C)
        for _ in 0..<3000 {
            let text = Self.mutate(Self.configSeed, &random)
            do { _ = try ProjectConfig.load(text: text, file: "warehouse-sync.toml", environment: ["X": "1"]) } catch {
                Self.checkLines(error.errors, text)
            }
        }
    }

    @Test func thousandsOfMutatedModelsNeverCrashAndNameALine() {
        var random = SeededRandom(state: 0x30DE1)
        for _ in 0..<3000 {
            let text = Self.mutate(Self.modelSeed, &random)
            do { _ = try Model.parse(text: text, file: "models/m.sql") } catch { Self.checkLines(error.errors, text) }
        }
    }

    @Test func mutatedProjectsThroughValidateNeverCrash() async throws {
        var random = SeededRandom(state: 0x7A1)
        let directory = try temporaryProject(["warehouse-sync.toml": Self.configSeed, "models/m.sql": Self.modelSeed])
        for _ in 0..<300 {
            try Self.mutate(Self.configSeed, &random).write(
                to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
            try Self.mutate(Self.modelSeed, &random).write(
                to: directory.appendingPathComponent("models/m.sql"), atomically: true, encoding: .utf8)
            let result = await runCLI(["validate"], in: directory, environment: ["X": "1"])
            #expect(result.status == 0 || result.status == 2, "\(result.err)")
        }
    }

    @Test func crlfFilesParseLikeLFFiles() throws {
        let model = try Model.parse(
            text: "-- key: user_id\r\nSELECT user_id, SUM(order_total) AS ltv\r\nFROM orders\r\nGROUP BY user_id;\r\n",
            file: "models/m.sql")
        #expect(model.key == "user_id")
        #expect(model.sql == "SELECT user_id, SUM(order_total) AS ltv\r\nFROM orders\r\nGROUP BY user_id")
        let lf = try ProjectConfig.load(text: Self.configSeed, file: "w.toml", environment: [:])
        let crlf = try ProjectConfig.load(
            text: "\u{FEFF}" + Self.configSeed.replacingOccurrences(of: "\n", with: "\r\n"), file: "w.toml",
            environment: [:])
        #expect(crlf.sources["wh"]?.statementTimeout == lf.sources["wh"]?.statementTimeout)
        #expect(
            crlf.timezone == lf.timezone && crlf.metricsFile == lf.metricsFile && crlf.sources.keys.sorted() == ["wh"])
    }

    @Test(arguments: [
        ("-- key: id\n-- timeout: 200000000000000d\nSELECT 1 AS id, 2 AS v", 2, "invalid timeout"),
        ("-- key: id\n-- timeout: 9223372036854776s\nSELECT 1 AS id, 2 AS v", 2, "invalid timeout"),
        ("-- key: id\n-- timeout: 367d\nSELECT 1 AS id, 2 AS v", 2, "invalid timeout"),
        ("-- key: id\n-- schedule: every 200000000000000d\nSELECT 1 AS id, 2 AS v", 2, "invalid schedule"),
    ])
    func durationsPastTheLimitAreErrorsWithTheirLine(text: String, line: Int, message: String) throws {
        let errors = #expect(throws: ProjectErrors.self) { try Model.parse(text: text, file: "models/m.sql") }
        #expect(errors?.errors.first?.line == line)
        #expect(errors?.errors.first?.message.hasPrefix(message) == true)
        #expect(DurationText.parse("366d") == .seconds(366 * 86400))
        #expect(Duration.seconds(Int64.max).milliseconds == Int64.max)
    }

    /// `serve` keeps running through every edit: each is reloaded or refused, never a crash.
    @Test func serveSurvivesAMutatedEditOfEveryFile() throws {
        let f = try SyncFixture(store: .sqlite, source: .sqlite)
        try f.warehouse("CREATE TABLE t (id TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1)")
        let config = Self.configSeed.replacingOccurrences(of: "sqlite:state.db", with: f.storeURL)
        try config.write(
            to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
        try f.model("m", Self.modelSeed.replacingOccurrences(of: "'a;b' AS w", with: "v + 1 AS w"))
        let serve = try ToolProcess(project: f.directory, ["serve"], environment: ["X": "1", "PATH": "/usr/bin:/bin"])
        defer { serve.signal(SIGKILL) }
        #expect(try waitUntil(20) { serve.stderr.contains("\"event\":\"scheduler_started\"") }, "\(serve.stderr)")
        var random = SeededRandom(state: 0x5E7E)
        for round in 0..<60 {
            if round % 2 == 0 {
                try Self.mutate(config, &random).write(
                    to: f.directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
            } else {
                try f.model("m", Self.mutate(Self.modelSeed, &random))
            }
            Thread.sleep(forTimeInterval: 0.1)
            #expect(serve.process.isRunning, "serve died at round \(round): \(serve.stderr.suffix(2000))")
            if !serve.process.isRunning { return }
        }
        serve.signal(SIGTERM)
        #expect(serve.wait(timeout: 15) == 0, "\(serve.stderr.suffix(2000))")
    }
}

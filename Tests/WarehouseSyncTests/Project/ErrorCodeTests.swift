import Foundation
import Testing

@testable import SyncCore
@testable import WarehouseSync

/// Every error of the project layer carries a code and says it is not transient, so callers
/// classify by code and by `isTransient`, never by the error's type or its words.
@Suite struct ErrorCodeTests {
    static func configCodes(_ text: String) -> [ProjectError.Code] {
        ProjectConfig.loadCollecting(text: text, file: "warehouse-sync.toml", environment: [:]).1.map(\.code)
    }

    @Test(arguments: [
        ("[store\nurl = \"sqlite:x.db\"\n", ProjectError.Code.syntax),
        ("[store]\nurl = \"sqlite:x.db\n", .syntax),
        ("[store]\nurll = \"sqlite:x.db\"\n", .unknownKey),
        ("[store]\nurl = \"ftp://x\"\n", .invalidValue),
    ])
    func configProblemsCarryTheirCode(text: String, code: ProjectError.Code) {
        #expect(Self.configCodes(text) == [code])
    }

    @Test(arguments: [
        ("-- key: user_id\n-- schedul: hourly\nSELECT 1 AS user_id\n", ProjectError.Code.unknownKey),
        ("-- key: user_id\n-- kind: tree\nSELECT 1 AS user_id\n", .invalidValue),
        ("-- key: user_id\nSELECT 1 AS user_id; DELETE FROM t\n", .syntax),
    ])
    func modelProblemsCarryTheirCode(text: String, code: ProjectError.Code) throws {
        let errors = try #require(throws: ProjectErrors.self) { try Model.parse(text: text, file: "m.sql") }
        #expect(errors.errors.map(\.code) == [code])
        #expect(!errors.isTransient && errors.errors.allSatisfy { !$0.isTransient })
    }

    @Test func aMissingModelsDirectoryIsAFileProblem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-codes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let errors = try #require(throws: ProjectErrors.self) {
            try Project.load(directory: directory, environment: [:])
        }
        #expect(errors.errors.map(\.code).contains(.file))
    }

    @Test func scheduleProblemsCarryTheirCode() {
        let range = #expect(throws: ScheduleError.self) { try Schedule(parsing: "cron 61 * * * *") }
        #expect(range?.code == .range)
        #expect(range?.isTransient == false)
        let syntax = #expect(throws: ScheduleError.self) { try Schedule(parsing: "every tuesday-ish") }
        #expect(syntax?.code == .syntax)
    }

    @Test func aFileThatCannotBeWrittenSaysWhereAndWhetherToRetry() {
        let error = #expect(throws: FileError.self) {
            try PrivateFiles.writeAtomically(Data("x".utf8), to: "/nonexistent-dir/metrics.prom", mode: 0o600)
        }
        #expect(error?.path == "/nonexistent-dir")
        #expect(error?.errno == ENOENT)
        #expect(error?.isTransient == false)
        #expect(error?.description.contains("No such file or directory") == true)
    }
}

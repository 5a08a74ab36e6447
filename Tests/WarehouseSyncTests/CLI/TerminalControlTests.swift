import Foundation
import Testing

@testable import CLI

/// What a warehouse says, or a value it holds, reaches the terminal as text: its control characters
/// are shown, never obeyed.
@Suite struct TerminalControlTests {
    @Test func controlCharactersAreShownAsEscapes() {
        #expect(Console.printable("plain\ttext\nline") == "plain\ttext\nline")
        #expect(Console.printable("\u{1B}]0;pwned\u{07}red \u{1B}[31mx") == "\\x1b]0;pwned\\x07red \\x1b[31mx")
        #expect(Console.printable("a\r\nb\rc\u{7F}\u{9B}") == "a\nb\\x0dc\\x7f\\x9b")
    }

    /// The warehouse's error message names a table whose name holds an escape sequence.
    @Test func aWarehouseMessageCannotDriveTheTerminal() async throws {
        let table = "t\u{1B}[2J\u{1B}]0;pwned\u{07}"
        let project = try temporaryProject([
            "warehouse-sync.toml":
                "[store]\nurl = \"sqlite:state.db\"\n[sources.w]\nkind = \"sqlite\"\npath = \"w.db\"\n",
            "models/m.sql": "-- key: id\nSELECT id, v FROM \"\(table)\"\n",
        ])
        defer { try? FileManager.default.removeItem(at: project) }
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [project.appendingPathComponent("w.db").path, "CREATE TABLE other (id TEXT, v INT)"]
        try sqlite.run()
        sqlite.waitUntilExit()
        let result = await runCLI(["sync", "m"], in: project)
        #expect(result.status == 1)
        let all = result.out + result.err
        #expect(all.contains("t\\x1b[2J\\x1b]0;pwned\\x07"), "\(all)")
        #expect(!all.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    }
}

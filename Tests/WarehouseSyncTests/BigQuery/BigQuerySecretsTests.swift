import Drivers
import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import SyncCore
@testable import WarehouseSync

/// The source's secrets (an access token, a service account's private key, the JWT made from it and
/// the token it is exchanged for) appear in no output, no event log line, no error and no store row, on
/// success and on failure.
@Suite(.serialized, .enabled(if: TestBigQuery.enabled)) struct BigQuerySecretsTests {
    /// The JWT header every service account assertion starts with (`{"alg":"RS256","typ":"JWT"}` in base64url).
    static let jwtHeader = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
    static let exchanged = "ya29.exchanged-Secret-t0ken"

    @Test(arguments: ["token", "service account"])
    func noSecretLeavesTheProcess(auth: String) async throws {
        // The token URI of the service account: a peer on 127.0.0.1 that hands out a token.
        let tokenURI = try HTTPServer(host: "127.0.0.1", port: 0, threads: 2) { _ in
            HTTPResponse(
                status: 200, contentType: "application/json",
                body: Array(#"{"access_token":"\#(Self.exchanged)","expires_in":3600}"#.utf8))
        }
        defer { tokenURI.stop() }
        let p = try BigQueryProject(
            auth: auth == "token" ? "token = \"${BQ_TOKEN}\"" : "credentials_file = \"keys/reader.json\"")
        let keys = p.directory.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        let pemPath = keys.appendingPathComponent("reader.pem")
        let made = Process()
        made.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        made.arguments = [
            "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", pemPath.path,
        ]
        try made.run()
        made.waitUntilExit()
        try #require(made.terminationStatus == 0)
        let pem = try String(contentsOf: pemPath, encoding: .utf8)
        try FileManager.default.removeItem(at: pemPath)
        let keyLine = try #require(pem.split(separator: "\n").dropFirst(2).first.map(String.init))
        try JSONSerialization.data(withJSONObject: [
            "type": "service_account", "client_email": "reader@test-project.iam.gserviceaccount.com",
            "private_key": pem, "token_uri": "http://127.0.0.1:\(tokenURI.port)/token",
        ]).write(to: keys.appendingPathComponent("reader.json"))

        try p.warehouse("CREATE TABLE DS.t AS SELECT 'a' AS id, 1 AS v")
        try p.model("good", "-- key: id\nSELECT id, v FROM DS.t\n")
        try p.model("bad", "-- key: id\nSELECT id, v FROM DS.no_such_table\n")
        var seen = ""
        for args in [["sync", "good"], ["sync", "bad"], ["runs"], ["validate", "--connect"]] {
            let result = await runCLI(args, in: p.directory, environment: p.environment)
            seen += result.out + result.err
        }
        #expect(seen.contains("succeeded") && seen.contains("BigQuery error notFound"), "\(seen)")
        let store = try Data(contentsOf: p.directory.appendingPathComponent("state.db"))
        let stored = String(decoding: store, as: UTF8.self)
        for secret in [p.environment["BQ_TOKEN"]!, Self.exchanged, Self.jwtHeader, keyLine] {
            #expect(!seen.contains(secret), "\(secret) in the output")
            #expect(!stored.contains(secret), "\(secret) in the store")
        }
    }

    @Test func theTokenIsOnNoProcessCommandLine() throws {
        let p = try BigQueryProject()
        try p.warehouse("CREATE TABLE DS.t AS SELECT 'a' AS id, 1 AS v")
        try p.model("good", "-- key: id\nSELECT id, v FROM DS.t\n")
        let environment = ProcessInfo.processInfo.environment.merging(p.environment) { $1 }
        let tool = try ToolProcess(project: p.directory, ["sync", "good"], environment: environment)
        var commandLines = ""
        while tool.process.isRunning {
            for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(pid) != nil {
                if let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") {
                    commandLines += String(decoding: line, as: UTF8.self) + "\n"
                }
            }
        }
        #expect(tool.wait(timeout: 60) == 0, "\(tool.stderr)")
        #expect(commandLines.contains("warehouse-sync"))
        #expect(!commandLines.contains(p.environment["BQ_TOKEN"]!))
    }
}

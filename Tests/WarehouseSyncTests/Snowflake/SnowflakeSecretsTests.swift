import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import SyncCore
@testable import WarehouseSync

/// The source's secrets (an OAuth token, a private key and its passphrase, the JWT made from it) appear in
/// no output, no event log line, no error and no store row, on success and on failure.
@Suite(.serialized, .enabled(if: TestSnowflake.enabled)) struct SnowflakeSecretsTests {
    /// The JWT header every key-pair token starts with (`{"alg":"RS256","typ":"JWT"}` in base64url).
    static let jwtHeader = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"

    @Test(arguments: ["token", "key pair"])
    func noSecretLeavesTheProcess(auth: String) async throws {
        let keyAuth = "private_key_file = \"keys/reader.p8\"\npassphrase = \"${SF_KEY_PASSPHRASE}\""
        let p = try SnowflakeProject(auth: auth == "token" ? "token = \"${SF_TOKEN}\"" : keyAuth)
        let keys = p.directory.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        let made = Process()
        made.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        made.arguments = [
            "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes256", "-pass",
            "env:SF_KEY_PASSPHRASE", "-out", keys.appendingPathComponent("reader.p8").path,
        ]
        made.environment = p.environment
        made.standardError = FileHandle.nullDevice
        try made.run()
        made.waitUntilExit()
        try #require(made.terminationStatus == 0)
        let pem = try String(contentsOf: keys.appendingPathComponent("reader.p8"), encoding: .utf8)
        let keyLine = try #require(pem.split(separator: "\n").dropFirst(2).first.map(String.init))

        try p.warehouse("CREATE TABLE T (ID VARCHAR, V INT); INSERT INTO T VALUES ('a', 1)")
        try p.model("good", "-- key: id\nSELECT id, v FROM t\n")
        try p.model("bad", "-- key: id\nSELECT id, v FROM no_such_table\n")
        var seen = ""
        for args in [["sync", "good"], ["sync", "bad"], ["runs"], ["validate", "--connect"]] {
            let result = await runCLI(args, in: p.directory, environment: p.environment)
            seen += result.out + result.err
        }
        #expect(seen.contains("succeeded") && seen.contains("Snowflake error"), "\(seen)")
        let store = try Data(contentsOf: p.directory.appendingPathComponent("state.db"))
        let stored = String(decoding: store, as: UTF8.self)
        for secret in [p.environment["SF_TOKEN"]!, p.environment["SF_KEY_PASSPHRASE"]!, Self.jwtHeader, keyLine] {
            #expect(!seen.contains(secret), "\(secret) in the output")
            #expect(!stored.contains(secret), "\(secret) in the store")
        }
    }
}

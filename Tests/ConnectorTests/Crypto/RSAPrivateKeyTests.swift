import Drivers
import Foundation
import Testing

@Suite struct RSAPrivateKeyTests {
    let keys = KeyFiles.shared

    @Test(
        arguments: [
            ("pkcs8.pem", "pkcs8.pub.pem", nil), ("pkcs1.pem", "pkcs8.pub.pem", nil),
            ("pkcs1-encrypted.pem", "pkcs8.pub.pem", KeyFiles.passphrase),
            ("encrypted.pem", "encrypted.pub.pem", KeyFiles.passphrase),
        ] as [(String, String, String?)])
    func signatureVerifiesWithOpenSSLTool(file: String, publicKey: String, passphrase: String?) throws {
        let key = try RSAPrivateKey(pem: keys.text(file), passphrase: passphrase)
        #expect(key.bitCount == 2048)
        let message = Array("warehouse-sync \(file) \u{1F511}".utf8)
        let signature = try key.signSHA256(message)
        #expect(signature.count == 256)
        #expect(try key.signSHA256(message) == signature)  // PKCS#1 v1.5 is deterministic
        #expect(try verify(signature: signature, message: message, publicKey: publicKey))
        var tampered = message
        tampered[0] ^= 1
        #expect(try !verify(signature: signature, message: tampered, publicKey: publicKey))
    }

    @Test(
        arguments: [("pkcs8.pem", nil), ("pkcs1.pem", nil), ("encrypted.pem", KeyFiles.passphrase)]
            as [(String, String?)])
    func fingerprintMatchesOpenSSLPipeline(file: String, passphrase: String?) throws {
        let key = try RSAPrivateKey(pem: keys.text(file), passphrase: passphrase)
        let pipeline = try OpenSSLTool.shell(
            "openssl rsa -in \(file) -passin env:KEY_PASSPHRASE -pubout -outform DER"
                + " | openssl dgst -sha256 -binary | openssl enc -base64",
            in: keys.directory, environment: ["KEY_PASSPHRASE": KeyFiles.passphrase])
        #expect(pipeline.status == 0, "\(pipeline.stderr)")
        #expect(key.publicKeyFingerprint == "SHA256:" + pipeline.text)
        #expect(key.publicKeyFingerprint.count == "SHA256:".count + 44)
    }

    @Test(arguments: ["encrypted.pem", "pkcs1-encrypted.pem"])
    func wrongPassphrase(file: String) throws {
        let wrong = "not-the-Tr0ub4dor-passphrase-91c2"
        let error = #expect(throws: CryptoError.self) { try RSAPrivateKey(pem: keys.text(file), passphrase: wrong) }
        guard case .wrongPassphrase = error else {
            Issue.record("expected wrongPassphrase, got \(String(describing: error))")
            return
        }
        let description = String(describing: error!)
        #expect(!description.contains(wrong))
        #expect(!description.contains(KeyFiles.passphrase))
        try expectNoKeyText(in: description, file: file)
    }

    @Test(arguments: ["encrypted.pem", "pkcs1-encrypted.pem"])
    func encryptedKeyWithoutPassphraseDoesNotPrompt(file: String) throws {
        #expect(throws: CryptoError.passphraseRequired) { try RSAPrivateKey(pem: keys.text(file)) }
    }

    @Test func passphraseIgnoredForUnencryptedKey() throws {
        let plain = try RSAPrivateKey(pem: keys.text("pkcs8.pem"))
        let withPassphrase = try RSAPrivateKey(pem: keys.text("pkcs8.pem"), passphrase: "unused")
        #expect(plain.publicKeyFingerprint == withPassphrase.publicKeyFingerprint)
    }

    @Test(arguments: [
        "pkcs8.pub.pem", "",
        "hello, not a key",
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUb3Vy\n-----END CERTIFICATE-----\n",
    ])
    func notAKey(input: String) throws {
        let text = input.hasSuffix(".pem") ? try keys.text(input) : input
        let error = #expect(throws: CryptoError.self) { try RSAPrivateKey(pem: text) }
        guard case .notAKey(let message) = error else {
            Issue.record("expected notAKey, got \(String(describing: error))")
            return
        }
        #expect(!message.isEmpty)
    }

    @Test func damagedKeyIsRefused() throws {
        // Line 3 lies inside the modulus: the DER still parses, so only EVP_PKEY_check can tell.
        var lines = try keys.text("pkcs8.pem").split(separator: "\n").map(String.init)
        lines[3] = String(lines[3].reversed())
        let error = #expect(throws: CryptoError.self) { try RSAPrivateKey(pem: lines.joined(separator: "\n")) }
        guard case .invalidKey = error else {
            Issue.record("expected invalidKey, got \(String(describing: error))")
            return
        }
        try expectNoKeyText(in: String(describing: error!), file: "pkcs8.pem")
    }

    @Test func truncatedKeyIsNotAKey() throws {
        let lines = try keys.text("pkcs8.pem").split(separator: "\n").map(String.init)
        let truncated = ([lines[0]] + lines[1..<10] + [lines[lines.count - 1]]).joined(separator: "\n")
        let error = #expect(throws: CryptoError.self) { try RSAPrivateKey(pem: truncated) }
        guard case .notAKey = error else {
            Issue.record("expected notAKey, got \(String(describing: error))")
            return
        }
        try expectNoKeyText(in: String(describing: error!), file: "pkcs8.pem")
    }

    @Test func ecKeyIsNotRSA() throws {
        #expect(throws: CryptoError.notRSA(keyType: "EC")) { try RSAPrivateKey(pem: keys.text("ec.pem")) }
    }

    @Test func concurrentSigningSharesOneKey() async throws {
        let key = try RSAPrivateKey(pem: keys.text("pkcs8.pem"))
        let message = Array("same message".utf8)
        let expected = try key.signSHA256(message)
        let signatures = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<16 { group.addTask { try key.signSHA256(message) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(signatures.count == 16)
        #expect(signatures.allSatisfy { $0 == expected })
    }

    /// Whether `openssl dgst -sha256 -verify` accepts `signature` of `message` under the PEM public key file.
    private func verify(signature: [UInt8], message: [UInt8], publicKey: String) throws -> Bool {
        let directory = try OpenSSLTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(message).write(to: directory.appendingPathComponent("message.bin"))
        try Data(signature).write(to: directory.appendingPathComponent("sig.bin"))
        let pub = keys.directory.appendingPathComponent(publicKey).path
        let output = try OpenSSLTool.run(
            ["dgst", "-sha256", "-verify", pub, "-signature", "sig.bin", "message.bin"], in: directory)
        return output.status == 0 && output.text == "Verified OK"
    }

    /// Records an issue if any base64 line of the key file `file` appears in `text`.
    private func expectNoKeyText(in text: String, file: String) throws {
        for line in try keys.text(file).split(separator: "\n") where !line.hasPrefix("-----") && line.count > 16 {
            #expect(!text.contains(line))
        }
    }
}

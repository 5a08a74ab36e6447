import Drivers
import Foundation
import Testing

@Suite struct JSONWebTokenTests {
    let keys = KeyFiles.shared

    @Test func partsDecodeAndSignatureVerifies() throws {
        let key = try RSAPrivateKey(pem: keys.text("pkcs8.pem"))
        let issuedAt = 1_700_000_000
        let claims: [String: Any] = [
            "iss": "MYORG-ACCOUNT.ETL_USER." + key.publicKeyFingerprint, "sub": "MYORG-ACCOUNT.ETL_USER",
            "iat": issuedAt, "exp": issuedAt + 3600, "aud": "https://example.com/a?b",
        ]
        let token = try JSONWebToken.rs256(claims: claims, key: key)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try #require(parts.count == 3)
        #expect(parts.allSatisfy { !$0.contains("=") && !$0.contains("+") && !$0.contains("/") })

        let header = try #require(base64URLDecode(parts[0]))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"RS256","typ":"JWT"}"#)

        let payload = try #require(base64URLDecode(parts[1]))
        let object = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        #expect(object["iss"] as? String == claims["iss"] as? String)
        #expect(object["sub"] as? String == "MYORG-ACCOUNT.ETL_USER")
        #expect(object["iat"] as? Int == issuedAt)
        #expect(object["exp"] as? Int == issuedAt + 3600)
        #expect(object["aud"] as? String == "https://example.com/a?b")
        let payloadText = String(decoding: payload, as: UTF8.self)
        #expect(payloadText.hasPrefix(#"{"aud":"https://example.com/a?b","exp":1700003600,"iat":1700000000,"#))

        let signature = try #require(base64URLDecode(parts[2]))
        #expect(signature.count == 256)
        let directory = try OpenSSLTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data((parts[0] + "." + parts[1]).utf8).write(to: directory.appendingPathComponent("input"))
        try signature.write(to: directory.appendingPathComponent("sig.bin"))
        let pub = keys.directory.appendingPathComponent("pkcs8.pub.pem").path
        let output = try OpenSSLTool.run(
            ["dgst", "-sha256", "-verify", pub, "-signature", "sig.bin", "input"], in: directory)
        #expect(output.status == 0 && output.text == "Verified OK", "\(output.stderr)")

        #expect(try JSONWebToken.rs256(claims: claims, key: key) == token)  // sorted keys: reproducible
    }

    @Test func invalidClaimsThrow() throws {
        let key = try RSAPrivateKey(pem: keys.text("pkcs8.pem"))
        #expect(throws: CryptoError.invalidClaims) { try JSONWebToken.rs256(claims: ["when": Date()], key: key) }
        #expect(throws: CryptoError.invalidClaims) { try JSONWebToken.rs256(claims: ["n": Double.nan], key: key) }
    }

    @Test func keyBelow2048BitsIsRefused() throws {
        let key = try RSAPrivateKey(pem: keys.text("rsa1024.pem"))
        #expect(key.bitCount == 1024)
        #expect(throws: CryptoError.keyTooSmall(bits: 1024)) { try JSONWebToken.rs256(claims: ["a": 1], key: key) }
    }

    private func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

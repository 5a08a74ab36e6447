import Drivers
import Foundation
import Testing

@Suite struct SHA256Tests {
    @Test func fipsVectors() {
        // FIPS 180-2 Appendix B.1 and B.2, and the empty message.
        #expect(
            hex(SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(
            hex(SHA256.digest(Array(twoBlocks.utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}

@Suite struct HMACSHA256Tests {
    @Test(arguments: [
        ("key", "The quick brown fox jumps over the lazy dog"), ("k", ""), (String(repeating: "long", count: 40), "x"),
    ])
    func matchesOpenSSLTool(key: String, message: String) throws {
        let directory = try OpenSSLTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(message.utf8).write(to: directory.appendingPathComponent("message"))
        let tool = try OpenSSLTool.check(["dgst", "-sha256", "-hmac", key, "-binary", "message"], in: directory)
        let code = HMACSHA256.authenticationCode(key: Array(key.utf8), message: Array(message.utf8))
        #expect(code == Array(tool.stdout))
        #expect(code.count == 32)
    }

    @Test func rfc4231TestCase2() {
        let code = HMACSHA256.authenticationCode(
            key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(hex(code) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func emptyKey() {
        let code = HMACSHA256.authenticationCode(key: [], message: Array("abc".utf8))
        #expect(hex(code) == "fd7adb152c05ef80dccf50a1fa4c05d5a3ec6da95575fc312ae7c5d091836351")
    }

    @Test func isValidComparesWholeCode() {
        let key = Array("secret".utf8)
        let message = Array("payload".utf8)
        let code = HMACSHA256.authenticationCode(key: key, message: message)
        #expect(HMACSHA256.isValid(signature: code, key: key, message: message))
        var flipped = code
        flipped[31] ^= 1
        #expect(!HMACSHA256.isValid(signature: flipped, key: key, message: message))
        #expect(!HMACSHA256.isValid(signature: Array(code.prefix(16)), key: key, message: message))
        #expect(!HMACSHA256.isValid(signature: [], key: key, message: message))
        #expect(!HMACSHA256.isValid(signature: code, key: Array("Secret".utf8), message: message))
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

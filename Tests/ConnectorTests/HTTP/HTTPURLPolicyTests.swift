import Foundation
import Testing

@testable import Drivers

/// HTTPS everywhere; plain HTTP only to this machine.
@Suite struct HTTPURLPolicyTests {
    @Test(arguments: [
        "https://acme.snowflakecomputing.com", "http://127.0.0.1:8080", "http://localhost:1/x", "http://127.1.2.3",
    ])
    func allowed(_ url: String) throws {
        try HTTPURLPolicy.check(URL(string: url)!)
    }

    @Test(arguments: [
        "http://acme.snowflakecomputing.com", "http://10.0.0.1", "ftp://127.0.0.1", "http://127.0.0.1.evil.com",
    ])
    func refused(_ url: String) {
        #expect(throws: HTTPClientError.self) { try HTTPURLPolicy.check(URL(string: url)!) }
    }

    /// Foundation's URLSession on Linux fails an IPv6 literal as a bad URL: refused first, saying what to write.
    @Test(arguments: ["http://[::1]:9/", "https://[2001:db8::1]/api"])
    func anIPv6LiteralIsRefusedWithWhatToWriteInstead(_ url: String) {
        #expect {
            try HTTPURLPolicy.check(URL(string: url)!)
        } throws: { "\($0)".contains("an IPv6 address in a URL is not supported here: use a host name") }
    }

    @Test func theClientRefusesAPlainRemoteURLBeforeSendingAnything() {
        #expect {
            try HTTPClient().send(HTTPClientRequest(url: URL(string: "http://example.com/api")!))
        } throws: { error in
            (error as? HTTPClientError)?.code == .insecureURL && "\(error)".contains("use https://")
        }
    }
}

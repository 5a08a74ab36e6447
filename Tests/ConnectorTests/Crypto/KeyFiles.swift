import Foundation

/// Keys made once per test run with the `openssl` tool, in one temporary directory.
struct KeyFiles: Sendable {
    /// The passphrase of the encrypted keys: spaces and punctuation, so that quoting mistakes would show.
    static let passphrase = "Tr0ub4dor & 3 horse-staple!"

    let directory: URL

    /// All keys, made on first use.
    static let shared: KeyFiles = {
        do { return try KeyFiles() } catch { fatalError("could not make test keys: \(error)") }
    }()

    private init() throws {
        directory = try OpenSSLTool.temporaryDirectory()
        let env = ["KEY_PASSPHRASE": Self.passphrase]
        let rsa2048 = ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
        try OpenSSLTool.check(rsa2048 + ["-out", "pkcs8.pem"], in: directory)
        try OpenSSLTool.check(
            rsa2048 + ["-aes256", "-pass", "env:KEY_PASSPHRASE", "-out", "encrypted.pem"], in: directory,
            environment: env)
        try OpenSSLTool.check(["rsa", "-in", "pkcs8.pem", "-traditional", "-out", "pkcs1.pem"], in: directory)
        try OpenSSLTool.check(
            [
                "rsa", "-in", "pkcs8.pem", "-traditional", "-aes256", "-passout", "env:KEY_PASSPHRASE",
                "-out", "pkcs1-encrypted.pem",
            ], in: directory, environment: env)
        try OpenSSLTool.check(["pkey", "-in", "pkcs8.pem", "-pubout", "-out", "pkcs8.pub.pem"], in: directory)
        try OpenSSLTool.check(
            ["pkey", "-in", "encrypted.pem", "-passin", "env:KEY_PASSPHRASE", "-pubout", "-out", "encrypted.pub.pem"],
            in: directory, environment: env)
        try OpenSSLTool.check(
            ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem"], in: directory)
        try OpenSSLTool.check(
            ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "rsa1024.pem"], in: directory)
    }

    /// The text of the file `name` in `directory`.
    func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }
}

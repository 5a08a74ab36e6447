import Foundation

/// Snowflake account identifiers as the key-pair JWT wants them
/// (https://docs.snowflake.com/en/developer-guide/sql-api/authenticating).
enum SnowflakeAccount {
    /// The account in an account URL's host: `myorg-myaccount` of
    /// `https://myorg-myaccount.snowflakecomputing.com`, `xy12345.us-east-1` of a locator URL; nil for
    /// a host that is not Snowflake's (an emulator on 127.0.0.1).
    static func fromURL(_ url: URL) -> String? {
        guard let host = url.host?.lowercased(), host.hasSuffix(".snowflakecomputing.com") else { return nil }
        var account = String(host.dropLast(".snowflakecomputing.com".count))
        if account.hasSuffix(".privatelink") { account = String(account.dropLast(".privatelink".count)) }
        return account.isEmpty ? nil : account
    }

    /// The account as the JWT's `iss` and `sub` spell it: upper case, without a locator's region
    /// (`XY12345` of `xy12345.us-east-1`), and for a `.global` account only the part before its first `-`.
    static func forToken(_ account: String) -> String {
        var name = Substring(account)
        if name.contains(".global") {
            if let dash = name.firstIndex(of: "-"), dash > name.startIndex { name = name[..<dash] }
        } else if let dot = name.firstIndex(of: "."), dot > name.startIndex {
            name = name[..<dot]
        }
        return name.uppercased()
    }
}

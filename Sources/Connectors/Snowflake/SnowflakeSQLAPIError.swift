import Drivers
import Foundation
import SyncCore

/// The SQL API's error answers as `ConnectorError`s, classified where they are made
/// (https://docs.snowflake.com/en/developer-guide/sql-api/reference#response-codes): 422 a statement that
/// failed (its Snowflake `code` as the native error, its `sqlState`), 408 a statement that ran past its
/// timeout, 401/403 a refused login, 429 and 5xx an overloaded or unavailable service (transient).
enum SnowflakeSQLAPIError {
    /// Snowflake's code for a statement that was cancelled.
    static let cancelledCode = "000604"
    /// Snowflake's code for a statement stopped at its `timeout` (or the warehouse's).
    static let timeoutCode = "000630"

    /// The error of an answer with `status` and `body` to a request about `what`; a statement error
    /// that names a line and column of `statement` carries that place as its `position`.
    static func from(status: Int, body: Data, what: String, statement: String? = nil) -> ConnectorError {
        let answer = SnowflakeSQLAPIResponse.decode(body)
        let said = answer?.message ?? String(decoding: body.prefix(300), as: UTF8.self)
        let code = answer?.code
        let native = code.flatMap { Int($0) }
        let prefix = code.map { "Snowflake error \($0): " } ?? "Snowflake answered HTTP \(status): "
        switch status {
        case 422 where code == cancelledCode:
            return ConnectorError(.cancelled, "the statement was cancelled", sqlState: answer?.sqlState)
        case 408,
            422 where code == timeoutCode:
            return ConnectorError(.timeout, prefix + "the statement ran past its timeout", nativeError: native)
        case 401, 403:
            return ConnectorError(
                .connectionFailed, prefix + said, sqlState: "28000",
                hint: "check user, the key pair's public key on the user (DESCRIBE USER: RSA_PUBLIC_KEY_FP) or the "
                    + "token, and the role's grants", nativeError: native)
        case 429, 500..<600:
            return ConnectorError(.connectionLost, prefix + said + " (\(what))", nativeError: native)
        default:
            return ConnectorError(
                .query, prefix + said, sqlState: answer?.sqlState,
                position: statement.flatMap { StatementPlace.position(message: said, in: $0) },
                nativeError: native)
        }
    }

    /// A transport failure (no answer) as a `ConnectorError`.
    static func from(_ error: HTTPClientError, what: String) -> ConnectorError {
        .noAnswer(error, from: "Snowflake", what: what, urlHint: "write account_url = \"https://...\"")
    }
}

import Drivers
import Foundation
import SyncCore

/// BigQuery's error answers as `ConnectorError`s, classified where they are made
/// (https://cloud.google.com/bigquery/docs/error-messages): the `reason` of the first `ErrorProto` and its
/// `message`. `backendError`, `internalError`, `rateLimitExceeded` and HTTP 429 or 5xx are transient;
/// `stopped` is a cancel, `timeout` a timeout, 401 and 403 (`accessDenied`, ...) a refused login, the
/// rest (`invalidQuery`, `notFound`, `bytesBilledLimitExceeded`, ...) permanent query errors. The
/// HTTP status is the native error.
enum BigQueryAPIError {
    /// Reasons Google documents as worth retrying.
    static let transientReasons: Set<String> = [
        "backendError", "internalError", "rateLimitExceeded", "jobBackendError", "jobInternalError",
    ]

    /// The error of an answer with `status` and `body` (an error envelope, a job with `status.errorResult`,
    /// or results with `errors`) to a request about `what`; a message naming `[line:column]` of `statement`
    /// carries that place as the position.
    static func from(status: Int, body: Data, what: String, statement: String? = nil) -> ConnectorError {
        if let envelope = BigQueryAPI.decode(BigQueryAPI.ErrorEnvelope.self, body) {
            let first = envelope.error.errors?.first
            let proto = BigQueryAPI.ErrorProto(
                reason: first?.reason ?? envelope.error.status, message: envelope.error.message ?? first?.message,
                location: first?.location)
            return from(proto, status: status, what: what, statement: statement)
        }
        let job = BigQueryAPI.decode(BigQueryAPI.Job.self, body)
        let results = BigQueryAPI.decode(BigQueryAPI.QueryResults.self, body)
        if let proto = job?.status?.errorResult ?? results?.errors?.first {
            return from(proto, status: status, what: what, statement: statement)
        }
        let said = String(decoding: body.prefix(300), as: UTF8.self)
        return from(
            BigQueryAPI.ErrorProto(reason: nil, message: said, location: nil), status: status, what: what,
            statement: statement)
    }

    /// The error `proto` says, from an answer with HTTP `status`.
    static func from(_ proto: BigQueryAPI.ErrorProto, status: Int, what: String, statement: String?)
        -> ConnectorError
    {
        let reason = proto.reason ?? ""
        let said = proto.message ?? "no message"
        let prefix = reason.isEmpty ? "BigQuery answered HTTP \(status): " : "BigQuery error \(reason): "
        if reason == "stopped" { return ConnectorError(.cancelled, "the job was cancelled", nativeError: status) }
        if reason == "timeout" {
            return ConnectorError(.timeout, prefix + said, nativeError: status)
        }
        if transientReasons.contains(reason) || HTTPRetry.isRetryable(status: status) {
            return ConnectorError(.connectionLost, prefix + said + " (\(what))", nativeError: status)
        }
        if status == 401 || status == 403 && reason != "bytesBilledLimitExceeded" && reason != "quotaExceeded" {
            return ConnectorError(
                .connectionFailed, prefix + said, sqlState: "28000",
                hint: "check the token or credentials_file, and that its account has roles/bigquery.jobUser on "
                    + "the project and roles/bigquery.dataViewer on the datasets", nativeError: status)
        }
        return ConnectorError(
            .query, prefix + said, position: statement.flatMap { StatementPlace.position(message: said, in: $0) },
            nativeError: status)
    }

    /// A transport failure (no answer) as a `ConnectorError`.
    static func from(_ error: HTTPClientError, what: String) -> ConnectorError {
        .noAnswer(error, from: "BigQuery", what: what, urlHint: "write api_url = \"https://bigquery.googleapis.com\"")
    }
}

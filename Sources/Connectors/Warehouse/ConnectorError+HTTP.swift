import Drivers
import SyncCore

extension ConnectorError {
    /// A request to a warehouse's HTTP API that got no answer, as a `ConnectorError`: a cancel, a
    /// timeout (transient), a URL `HTTPURLPolicy` refuses (permanent, with `urlHint`), or a refused or
    /// dropped connection (transient). The message names `service` and `what` was asked, never a
    /// header, a body or a query string.
    static func noAnswer(_ error: HTTPClientError, from service: String, what: String, urlHint: String)
        -> ConnectorError
    {
        switch error.code {
        case .cancelled: ConnectorError(.cancelled, "the query was cancelled")
        case .timedOut: ConnectorError(.timeout, "\(service) did not answer \(what): \(error.message)")
        case .insecureURL: ConnectorError(.connectionFailed, error.message, hint: urlHint)
        default: ConnectorError(.connectionLost, "\(service) did not answer \(what): \(error.message)")
        }
    }
}

import Foundation
import Synchronization

@testable import Connectors
@testable import Drivers
@testable import SyncCore

/// A BigQuery REST peer on 127.0.0.1 for one test: it records each request and answers with `answer`
/// (status, body, headers).
final class FakeBigQuery: Sendable {
    struct Seen: Sendable {
        var method: String
        var path: String
        var query: [String: String]
        var headers: [String: String]
        var body: String
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
        /// The job the request is about: the inserted job's `jobReference.jobId`, or the id its path names.
        var jobID: String {
            (json["jobReference"] as? [String: Any])?["jobId"] as? String ?? FakeBigQuery.jobID(path)
        }
    }

    final class Log: Sendable {
        let entries = Mutex<[Seen]>([])
    }

    let server: HTTPServer
    private let seen = Log()
    static let jobs = "/bigquery/v2/projects/p/jobs"

    init(answer: @escaping @Sendable (Seen) -> (Int, String, [(String, String)])) throws {
        let seen = self.seen
        server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 4) { request in
            let entry = Seen(
                method: request.method, path: request.path, query: request.query, headers: request.headers,
                body: String(decoding: request.body, as: UTF8.self))
            seen.entries.withLock { $0.append(entry) }
            let (status, body, headers) = answer(entry)
            return HTTPResponse(
                status: status, contentType: "application/json", body: Array(body.utf8), headers: headers)
        }
    }

    var requests: [Seen] { seen.entries.withLock { $0 } }
    var url: URL { URL(string: "http://127.0.0.1:\(server.port)")! }

    /// A client of project `p` in location `US` with dataset `d`, authorized by `auth` (an access token by default).
    func client(auth: BigQueryAPIAuth = BigQueryAPIAuth(.token(Secret("fake-access-token")))) -> BigQueryAPIClient {
        BigQueryAPIClient(
            base: url, auth: auth,
            context: BigQueryContext(project: "p", location: "US", dataset: "d", maximumBytesBilled: 1e9))
    }

    func connection(inSession: Bool = false) -> BigQueryAPIConnection {
        BigQueryAPIConnection(client: client(), region: "us", inSession: inSession)
    }

    /// A job resource `id` in `state`.
    static func job(_ id: String, state: String = "DONE", extra: String = "") -> String {
        #"{"kind":"bigquery#job","jobReference":{"projectId":"p","jobId":""# + id
            + #"","location":"US"},"status":{"state":""# + state + #""}"# + extra + "}"
    }

    /// A getQueryResults page of one INTEGER column `n`.
    static func page(_ values: [String], token: String? = nil, complete: Bool = true) -> String {
        let rows = values.map { #"{"f":[{"v":"\#($0)"}]}"# }.joined(separator: ",")
        return #"{"jobComplete":\#(complete),"schema":{"fields":[{"name":"n","type":"INTEGER"}]},"rows":[\#(rows)]"#
            + (token.map { #","pageToken":"\#($0)""# } ?? "") + "}"
    }

    /// The job id the request's path names (`.../queries/ID` or `.../jobs/ID[/cancel]`).
    static func jobID(_ path: String) -> String {
        let parts = path.split(separator: "/")
        if let index = parts.firstIndex(where: { $0 == "queries" || $0 == "jobs" }), index + 1 < parts.count {
            return String(parts[index + 1])
        }
        return ""
    }
}

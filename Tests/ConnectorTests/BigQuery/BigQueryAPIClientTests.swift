import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Connectors
@testable import Drivers
@testable import SyncCore

/// The REST client against a real HTTP peer on 127.0.0.1 that answers as BigQuery documents
/// (https://cloud.google.com/bigquery/docs/reference/rest/v2): the paths bqemulator never takes (a job
/// not complete at first, a 429, a 409 for a job already made, a cancel while the job runs, statistics).
@Suite struct BigQueryAPIClientTests {
    @Test func aJobNotCompleteIsPolledAndEveryPageIsReadInOrder() throws {
        let polls = Mutex(0)
        let fake = try FakeBigQuery { request in
            switch (request.method, request.query["pageToken"]) {
            case ("POST", _): return (200, FakeBigQuery.job(request.jobID, state: "RUNNING"), [])
            case ("GET", nil):
                let n = polls.withLock {
                    $0 += 1
                    return $0
                }
                return n < 3
                    ? (200, #"{"jobComplete":false}"#, [])
                    : (200, FakeBigQuery.page(["1", "2"], token: "t2"), [])
            case ("GET", "t2"): return (200, FakeBigQuery.page(["3"]), [])
            default: return (200, FakeBigQuery.page([]), [])
            }
        }
        defer { fake.server.stop() }
        let options = QueryOptions(timeout: .seconds(90), tag: SessionTag(model: "LTV.Model", runID: "R1"))
        let result = try fake.connection().collect("SELECT n FROM t", options: options)
        #expect(result.columns == [Column(name: "n", type: .int)])
        #expect(result.rows == [[.int(1)], [.int(2)], [.int(3)]])
        let requests = fake.requests
        let insert = try #require(requests.first)
        #expect(insert.path == FakeBigQuery.jobs && insert.headers["authorization"] == "Bearer fake-access-token")
        let reference = try #require(insert.json["jobReference"] as? [String: Any])
        let jobID = try #require(reference["jobId"] as? String)
        #expect(jobID.hasPrefix("warehouse_sync_") && reference["location"] as? String == "US")
        let configuration = try #require(insert.json["configuration"] as? [String: Any])
        let query = try #require(configuration["query"] as? [String: Any])
        #expect(query["query"] as? String == "SELECT n FROM t" && query["useLegacySql"] as? Bool == false)
        #expect(query["maximumBytesBilled"] as? String == "1000000000")
        #expect((query["defaultDataset"] as? [String: String])?["datasetId"] == "d")
        #expect(configuration["jobTimeoutMs"] as? String == "90000")
        #expect(
            configuration["labels"] as? [String: String] == [
                "warehouse_sync_run": "r1", "warehouse_sync_model": "ltv_model",
            ])
        let gets = requests.filter { $0.method == "GET" }
        #expect(gets.count == 4 && gets.allSatisfy { $0.path == "/bigquery/v2/projects/p/queries/\(jobID)" })
        #expect(
            gets.allSatisfy { $0.query["formatOptions.useInt64Timestamp"] == "true" && $0.query["location"] == "US" })
        #expect(gets.map(\.query["pageToken"]) == [nil, nil, nil, "t2"])
    }

    @Test func aPageWithoutRowsWhoseTokenDidNotMoveEndsTheResult() throws {
        // bqemulator answers an empty page with the token it was given (maxResults=0 gives pageToken "0").
        let fake = try FakeBigQuery { request in
            request.method == "POST"
                ? (200, FakeBigQuery.job(request.jobID), [])
                : (200, FakeBigQuery.page([], token: "0"), [])
        }
        defer { fake.server.stop() }
        #expect(try fake.connection().collect("SELECT n FROM t").rows.isEmpty)
        #expect(fake.requests.filter { $0.method == "GET" }.count == 2)
    }

    @Test func a429IsSentAgainAfterItsRetryAfterAndA409ReadsTheJobAlreadyMade() throws {
        let inserts = Mutex(0)
        let fake = try FakeBigQuery { request in
            switch request.method {
            case "POST":
                let n = inserts.withLock {
                    $0 += 1
                    return $0
                }
                return n == 1
                    ? (
                        429, #"{"error":{"code":429,"errors":[{"reason":"rateLimitExceeded"}]}}"#,
                        [("Retry-After", "1")]
                    )
                    : (409, #"{"error":{"code":409,"errors":[{"reason":"duplicate"}],"status":"ALREADY_EXISTS"}}"#, [])
            default:
                if request.path.contains("/jobs/") {
                    return (200, FakeBigQuery.job(request.jobID), [])
                }
                return (200, FakeBigQuery.page(["7"]), [])
            }
        }
        defer { fake.server.stop() }
        let started = ContinuousClock.now
        #expect(try fake.connection().collect("SELECT 7").rows == [[.int(7)]])
        #expect(ContinuousClock.now - started >= .seconds(0.9))
        let requests = fake.requests
        let posts = requests.filter { $0.method == "POST" }
        #expect(posts.count == 2)
        let ids = posts.map { ($0.json["jobReference"] as? [String: Any])?["jobId"] as? String }
        #expect(ids[0] != nil && ids[0] == ids[1])
        #expect(requests.contains { $0.method == "GET" && $0.path == "\(FakeBigQuery.jobs)/\(ids[0]!)" })
    }

    @Test func anErrorAtHTTP200IsAPermanentQueryErrorWithBigQuerysReasonAndPlace() throws {
        let fake = try FakeBigQuery { request in
            request.method == "POST"
                ? (200, FakeBigQuery.job(request.jobID), [])
                : (
                    200,
                    #"{"jobComplete":true,"errors":[{"reason":"invalidQuery","message":"Syntax error: "#
                        + #"Unexpected keyword WHERE at [2:6]","location":"query"}]}"#, []
                )
        }
        defer { fake.server.stop() }
        #expect {
            try fake.connection().collect("SELECT 1\nFROM WHERE x")
        } throws: { error in
            guard let error = error as? ConnectorError else { return false }
            return error.code == .query && !error.isTransient && error.position == 15
                && error.message.hasPrefix("BigQuery error invalidQuery: Syntax error")
        }
    }

    @Test(arguments: [
        (200, #"{"status":{"state":"DONE","errorResult":{"reason":"backendError","message":"try again"}}}"#, true),
        (503, #"{"error":{"code":503,"message":"unavailable","errors":[{"reason":"backendError"}]}}"#, true),
        (400, #"{"error":{"code":400,"message":"Not found: Table p:d.t","errors":[{"reason":"notFound"}]}}"#, false),
        (403, #"{"error":{"code":403,"message":"Access Denied","errors":[{"reason":"accessDenied"}]}}"#, false),
    ])
    func errorsAreClassifiedByReasonAndStatus(status: Int, body: String, transient: Bool) {
        let error = BigQueryAPIError.from(status: status, body: Data(body.utf8), what: "jobs.insert")
        #expect(error.isTransient == transient, "\(error)")
        #expect(error.nativeError == status)
        #expect(error.message.hasPrefix("BigQuery error "))
    }

    @Test func cancellingWhileTheJobRunsSendsJobsCancel() throws {
        let fake = try Self.jobThatNeverEnds()
        defer { fake.server.stop() }
        let options = QueryOptions()
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.5)
            options.cancellation.cancel()
        }
        #expect {
            try fake.connection().collect("SELECT long", options: options)
        } throws: { ($0 as? ConnectorError)?.code == .cancelled }
        let requests = fake.requests
        let id = try #require((requests.first?.json["jobReference"] as? [String: Any])?["jobId"] as? String)
        #expect(requests.contains { $0.method == "POST" && $0.path == "\(FakeBigQuery.jobs)/\(id)/cancel" })
    }

    @Test func aJobPastItsTimeoutIsCancelled() throws {
        let fake = try Self.jobThatNeverEnds()
        defer { fake.server.stop() }
        #expect {
            try fake.connection().collect("SELECT long", options: QueryOptions(timeout: .milliseconds(100)))
        } throws: { ($0 as? ConnectorError)?.code == .timeout }
        let requests = fake.requests
        let id = try #require(requests.first?.jobID)
        #expect(requests.contains { $0.method == "POST" && $0.path == "\(FakeBigQuery.jobs)/\(id)/cancel" })
    }

    @Test func theCostQueryReadsTheLastJobsStatistics() throws {
        let fake = try FakeBigQuery { request in
            switch request.method {
            case "POST": return (200, FakeBigQuery.job(request.jobID), [])
            case _ where request.path.contains("/jobs/"):
                let statistics =
                    #","statistics":{"totalSlotMs":"1234","query":{"totalBytesProcessed":"20971520","#
                    + #""totalBytesBilled":"10485760","totalSlotMs":"1234"}}"#
                return (200, FakeBigQuery.job(request.jobID, extra: statistics), [])
            default: return (200, FakeBigQuery.page(["1"]), [])
            }
        }
        defer { fake.server.stop() }
        let connection = fake.connection()
        let tag = SessionTag(model: "m", runID: "r")
        _ = try connection.collect("SELECT n FROM t", options: QueryOptions(tag: tag))
        let dialect = BigQueryDialect()
        let cost = try #require(dialect.costQuery(tag: tag))
        let row = try #require(try connection.collectFirstRow(cost, options: QueryOptions(tag: tag)))
        #expect(dialect.costMeasures(row: row) == ["bytes_billed": 10_485_760, "slot_ms": 1234])
        #expect(fake.requests.filter { $0.method == "POST" }.count == 1)
    }

    @Test func aScratchConnectionRunsItsJobsInOneSession() throws {
        let fake = try FakeBigQuery { request in
            switch request.method {
            case "POST":
                let info = #","statistics":{"sessionInfo":{"sessionId":"s-1"},"query":{"numDmlAffectedRows":"3"}}"#
                return (200, FakeBigQuery.job(request.jobID, extra: info), [])
            default: return (200, #"{"jobComplete":true,"schema":{"fields":[]},"numDmlAffectedRows":"3"}"#, [])
            }
        }
        defer { fake.server.stop() }
        do {
            let session = fake.connection(inSession: true)
            #expect(
                try session.execute("CREATE TEMP TABLE ws_result AS SELECT 1", readOnly: false, options: .init()) == 3)
            _ = try session.execute("INSERT INTO ws_result VALUES (2)", readOnly: false, options: .init())
        }
        let queries = fake.requests.filter { $0.method == "POST" }.compactMap {
            ($0.json["configuration"] as? [String: Any])?["query"] as? [String: Any]
        }
        #expect(queries.count == 3)
        // The session ends with the connection.
        #expect(queries.last?["query"] as? String == "CALL BQ.ABORT_SESSION()")
        #expect(queries.last?["connectionProperties"] != nil)
        #expect(queries[0]["createSession"] as? Bool == true && queries[0]["connectionProperties"] == nil)
        #expect(
            (queries[1]["connectionProperties"] as? [[String: String]]) == [["key": "session_id", "value": "s-1"]])
    }

    @Test func aDryRunDescribesTheQueryWithoutRunningIt() throws {
        let fake = try FakeBigQuery { request in
            let schema =
                #","statistics":{"query":{"totalBytesProcessed":"0","schema":{"fields":["#
                + #"{"name":"id","type":"INTEGER"},{"name":"tags","type":"STRING","mode":"REPEATED"}]}}}"#
            return (200, FakeBigQuery.job(request.jobID, extra: schema), [])
        }
        defer { fake.server.stop() }
        let columns = try fake.connection().describe("SELECT id, tags FROM t", options: QueryOptions())
        #expect(columns == [Column(name: "id", type: .int), Column(name: "tags", type: .json)])
        let configuration = try #require(fake.requests.first?.json["configuration"] as? [String: Any])
        #expect(configuration["dryRun"] as? Bool == true)
        #expect(fake.requests.count == 1)
    }

    /// A peer whose job runs until it is cancelled.
    static func jobThatNeverEnds() throws -> FakeBigQuery {
        try FakeBigQuery { request in
            switch request.method {
            case "POST" where request.path.hasSuffix("/cancel"):
                return (200, #"{"kind":"bigquery#jobCancelResponse"}"#, [])
            case "POST": return (200, FakeBigQuery.job(request.jobID, state: "RUNNING"), [])
            default: return (200, #"{"jobComplete":false}"#, [])
            }
        }
    }
}

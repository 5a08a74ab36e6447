import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Connectors
@testable import Drivers
@testable import SyncCore

/// The SQL API client against a real HTTP peer on 127.0.0.1 that answers as Snowflake documents
/// (https://docs.snowflake.com/en/developer-guide/sql-api/reference): the paths snowduck never takes
/// (a 202, a cancel while the statement runs, the documented errors).
@Suite struct SnowflakeSQLAPIClientTests {
    @Test func a202IsPolledAndEveryPartitionIsReadInOrder() throws {
        let polls = Mutex(0)
        let fake = try FakeSnowflake(gzipped: { $0.query["partition"] != nil }) { request in
            switch (request.method, request.path, request.query["partition"]) {
            case ("POST", "/api/v2/statements", _):
                return (202, #"{"code":"333334","statementHandle":"h1","statementStatusUrl":"/api/v2/statements/h1"}"#)
            case ("GET", "/api/v2/statements/h1", nil):
                let n = polls.withLock {
                    $0 += 1
                    return $0
                }
                return n < 2
                    ? (202, #"{"code":"333334","statementHandle":"h1"}"#)
                    : (200, FakeSnowflake.result(handle: "h1", rows: ["1", "2"], partitions: 3))
            case ("GET", "/api/v2/statements/h1", "1"): return (200, #"{"data":[["3"]]}"#)
            case ("GET", "/api/v2/statements/h1", "2"): return (200, #"{"data":[["4"],[null]]}"#)
            default: return (404, #"{"code":"000404","message":"not found"}"#)
            }
        }
        defer { fake.server.stop() }
        let options = QueryOptions(timeout: .seconds(90), tag: SessionTag(model: "ltv", runID: "R1"))
        let result = try fake.connection().collect("SELECT n FROM t", options: options)
        #expect(result.columns == [Column(name: "n", type: .int)])
        #expect(result.rows == [[.int(1)], [.int(2)], [.int(3)], [.int(4)], [.null]])
        let requests = fake.requests
        #expect(requests.map(\.query["partition"]).suffix(2) == ["1", "2"])
        let submit = try #require(requests.first)
        #expect(submit.query["requestId"] != nil)
        #expect(submit.headers["authorization"] == "Bearer fake-oauth-token")
        #expect(submit.headers["x-snowflake-authorization-token-type"] == "OAUTH")
        let body = try #require(
            try JSONSerialization.jsonObject(with: Data(submit.json.utf8)) as? [String: Any])
        #expect(body["statement"] as? String == "SELECT n FROM t")
        #expect(body["timeout"] as? Int == 90)
        #expect(body["warehouse"] as? String == "SYNC_XS" && body["database"] as? String == "ANALYTICS")
        #expect(body["schema"] as? String == "MARTS" && body["role"] as? String == "READER")
        #expect((body["parameters"] as? [String: String])?["QUERY_TAG"] == "warehouse-sync:ltv:R1")
    }

    @Test func aBusyServiceIsAskedAgainWithTheSameRequestIDMarkedAsARetry() throws {
        let fake = try FakeSnowflake { request in
            request.query["retry"] == "true"
                ? (200, FakeSnowflake.result(handle: "h5", rows: ["1"], partitions: 1))
                : (503, #"{"message":"Service Unavailable"}"#)
        }
        defer { fake.server.stop() }
        #expect(try fake.connection().collect("SELECT 1").rows == [[.int(1)]])
        let requests = fake.requests
        #expect(requests.count == 2)
        #expect(requests.map(\.query["retry"]) == [nil, "true"])
        #expect(
            requests[0].query["requestId"] != nil && requests[0].query["requestId"] == requests[1].query["requestId"])
    }

    @Test func theCostQueryAsksForTheModelQueryByItsHandle() throws {
        let fake = try FakeSnowflake { request in
            (
                200,
                FakeSnowflake.result(
                    handle: request.json.contains("QUERY_HISTORY") ? "h7" : "h6", rows: [], partitions: 1)
            )
        }
        defer { fake.server.stop() }
        let connection = fake.connection()
        _ = try connection.collect("SELECT n FROM t")
        let cost = try #require(SnowflakeDialect().costQuery(tag: SessionTag(model: "m", runID: "r")))
        _ = try connection.collect(cost)
        let statement = try #require(
            try JSONSerialization.jsonObject(with: Data(fake.requests[1].json.utf8)) as? [String: Any])["statement"]
        #expect(statement as? String == SnowflakeDialect.costQuery(queryID: "h6"))
        #expect((statement as? String)?.contains("QUERY_HISTORY_BY_USER") == true)
    }

    @Test func a422IsAPermanentQueryErrorWithSnowflakesCodeStateAndPlace() throws {
        let fake = try FakeSnowflake { _ in
            (
                422,
                #"{"code":"001003","sqlState":"42000","statementHandle":"h2","message":"SQL compilation error:"#
                    + #"\nsyntax error line 2 at position 5 unexpected 'FORM'."}"#
            )
        }
        defer { fake.server.stop() }
        let sql = "SELECT 1\nFROM FORM x"
        #expect {
            try fake.connection().collect(sql)
        } throws: { error in
            guard let error = error as? ConnectorError else { return false }
            return error.code == .query && error.nativeError == 1003 && error.sqlState == "42000"
                && error.position == 15 && !error.isTransient && error.message.hasPrefix("Snowflake error 001003: ")
        }
    }

    @Test func aRefusedTokenIsAPermanentLoginErrorThatNeverShowsTheToken() throws {
        let fake = try FakeSnowflake { _ in (401, #"{"code":"390303","message":"Invalid OAuth access token."}"#) }
        defer { fake.server.stop() }
        #expect {
            try fake.connection(token: "s3cret-oauth-token").collect("SELECT 1")
        } throws: { error in
            guard let error = error as? ConnectorError else { return false }
            return error.code == .connectionFailed && !error.isTransient && error.nativeError == 390_303
                && !"\(error)".contains("s3cret") && !String(reflecting: error).contains("s3cret")
        }
    }

    @Test func cancellingWhileTheStatementRunsSendsTheCancelForItsHandle() throws {
        let fake = try FakeSnowflake { request in
            switch (request.method, request.path) {
            case ("POST", "/api/v2/statements"): return (202, #"{"code":"333334","statementHandle":"h3"}"#)
            case ("GET", "/api/v2/statements/h3"): return (202, #"{"code":"333334","statementHandle":"h3"}"#)
            case ("POST", "/api/v2/statements/h3/cancel"): return (200, #"{"code":"000000","statementHandle":"h3"}"#)
            default: return (404, "{}")
            }
        }
        defer { fake.server.stop() }
        let options = QueryOptions()
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.5)
            options.cancellation.cancel()
        }
        #expect {
            try fake.connection().collect("SELECT SYSTEM$WAIT(60)", options: options)
        } throws: { ($0 as? ConnectorError)?.code == .cancelled }
        #expect(fake.requests.contains { $0.method == "POST" && $0.path == "/api/v2/statements/h3/cancel" })
    }

    @Test func cancellingBeforeTheHandleCameBackFindsItByRequestIDAndCancelsIt() throws {
        let fake = try FakeSnowflake { request in
            switch (request.method, request.path, request.query["retry"]) {
            case ("POST", "/api/v2/statements", nil):
                // A statement Snowflake holds the request for (up to 45 s before it would answer 202).
                Thread.sleep(forTimeInterval: 3)
                return (200, FakeSnowflake.result(handle: "h4", rows: ["1"], partitions: 1))
            case ("POST", "/api/v2/statements", "true"):
                return (202, #"{"code":"333334","statementHandle":"h4"}"#)
            case ("POST", "/api/v2/statements/h4/cancel", _): return (200, #"{"code":"000000"}"#)
            default: return (404, "{}")
            }
        }
        defer { fake.server.stop() }
        let options = QueryOptions()
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.3)
            options.cancellation.cancel()
        }
        let started = ContinuousClock.now
        #expect {
            try fake.connection().collect("SELECT 1", options: options)
        } throws: { ($0 as? ConnectorError)?.code == .cancelled }
        #expect(ContinuousClock.now - started < .seconds(2.5))
        let requests = fake.requests
        let submit = try #require(requests.first { $0.query["retry"] == nil })
        let again = try #require(requests.first { $0.query["retry"] == "true" })
        #expect(again.query["requestId"] == submit.query["requestId"] && again.query["async"] == "true")
        #expect(requests.contains { $0.path == "/api/v2/statements/h4/cancel" })
    }
}

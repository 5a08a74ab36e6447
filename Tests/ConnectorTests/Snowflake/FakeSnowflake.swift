import Foundation
import Synchronization

@testable import Connectors
@testable import Drivers
@testable import SyncCore

/// A Snowflake SQL API peer on 127.0.0.1 for one test: it records each request and answers with `answer`.
final class FakeSnowflake: Sendable {
    struct Seen: Sendable {
        var method: String
        var path: String
        var query: [String: String]
        var headers: [String: String]
        var json: String
    }

    /// The requests seen, in order.
    final class Log: Sendable {
        let entries = Mutex<[Seen]>([])
    }

    let server: HTTPServer
    private let seen = Log()

    /// - Parameter gzipped: the answers whose body is sent gzip-compressed (`Content-Encoding: gzip`), as
    ///   Snowflake sends result partitions after the first.
    init(
        gzipped: @escaping @Sendable (Seen) -> Bool = { _ in false },
        answer: @escaping @Sendable (Seen) -> (Int, String)
    )
        throws
    {
        let seen = self.seen
        server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 4) { request in
            let entry = Seen(
                method: request.method, path: request.path, query: request.query, headers: request.headers,
                json: String(decoding: request.body, as: UTF8.self))
            seen.entries.withLock { $0.append(entry) }
            let (status, body) = answer(entry)
            guard gzipped(entry) else {
                return HTTPResponse(status: status, contentType: "application/json", body: Array(body.utf8))
            }
            return HTTPResponse(
                status: status, contentType: "application/json", body: FakeSnowflake.gzip(Array(body.utf8)),
                headers: [("Content-Encoding", "gzip")])
        }
    }

    var requests: [Seen] { seen.entries.withLock { $0 } }

    /// `bytes` compressed by the `gzip` tool.
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-c"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        guard (try? process.run()) != nil else { return bytes }
        input.fileHandleForWriting.write(Data(bytes))
        try? input.fileHandleForWriting.close()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(compressed)
    }

    /// A connection to this peer with an OAuth token.
    func connection(token: String = "fake-oauth-token") -> SnowflakeSQLAPIConnection {
        let client = SnowflakeSQLAPIClient(
            base: URL(string: "http://127.0.0.1:\(server.port)")!, auth: SnowflakeSQLAPIAuth(.oauth(Secret(token))),
            context: SnowflakeSQLAPIContext(
                warehouse: "SYNC_XS", database: "ANALYTICS", schema: "MARTS", role: "READER"))
        return SnowflakeSQLAPIConnection(client: client)
    }

    /// A documented `ResultSet` of `columns` (name and `rowType` type) holding `rows` in one partition.
    static func table(handle: String = "h", columns: [(String, String)], rows: [[String?]]) -> String {
        let types = columns.map { #"{"name":"\#($0.0)","type":"\#($0.1)","scale":0,"nullable":true}"# }
        let data = rows.map { row in
            "[" + row.map { $0.map { "\"\($0)\"" } ?? "null" }.joined(separator: ",") + "]"
        }
        return #"{"code":"090001","sqlState":"00000","statementHandle":"\#(handle)","resultSetMetaData":{"#
            + #""numRows":\#(rows.count),"format":"jsonv2","rowType":[\#(types.joined(separator: ","))],"#
            + #""partitionInfo":[{"rowCount":\#(rows.count)}]},"data":[\#(data.joined(separator: ","))]}"#
    }

    /// A documented `ResultSet` of one `fixed` column `N` with `rows` in partition 0 and `partitions` in all.
    static func result(handle: String, rows: [String?], partitions: Int) -> String {
        let data = rows.map { $0.map { "[\"\($0)\"]" } ?? "[null]" }.joined(separator: ",")
        let info = (0..<partitions).map { _ in #"{"rowCount":2}"# }.joined(separator: ",")
        return #"{"code":"090001","sqlState":"00000","statementHandle":"\#(handle)","resultSetMetaData":{"#
            + #""numRows":5,"format":"jsonv2","rowType":[{"name":"N","type":"fixed","scale":0,"nullable":true}],"#
            + #""partitionInfo":[\#(info)]},"data":[\#(data)]}"#
    }
}

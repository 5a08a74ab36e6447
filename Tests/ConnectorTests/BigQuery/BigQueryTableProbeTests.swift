import Foundation
import Testing

@testable import Connectors
@testable import SyncCore

/// The skip's probe over the REST API: table names made whole, and tables.get's documented answer
/// (https://cloud.google.com/bigquery/docs/reference/rest/v2/tables: `lastModifiedTime` in milliseconds
/// as a string, `type`) as change counters.
@Suite struct BigQueryTableProbeTests {
    @Test func namesAreMadeWholeWithTheProjectAndDefaultDataset() {
        #expect(BigQueryTableProbe.name(["t"], project: "p", dataset: "d")?.qualified == "p.d.t")
        #expect(BigQueryTableProbe.name(["t"], project: "p", dataset: nil) == nil)
        #expect(BigQueryTableProbe.name(["x", "t"], project: "p", dataset: "d")?.qualified == "p.x.t")
        #expect(BigQueryTableProbe.name(["q", "x", "t"], project: "p", dataset: "d")?.qualified == "q.x.t")
    }

    static let documentedTable = #"""
        {"kind":"bigquery#table","id":"p:d.t","tableReference":{"projectId":"p","datasetId":"d","tableId":"t"},
         "type":"TABLE","creationTime":"1704067200000","lastModifiedTime":"1704164645123","numRows":"3",
         "numBytes":"120","etag":"abc","location":"US"}
        """#

    @Test func eachTablesLastModifiedTimeIsItsCounter() throws {
        let table = try #require(BigQueryAPI.decode(BigQueryAPI.Table.self, Data(Self.documentedTable.utf8)))
        let name = BigQueryTableProbe.Name(project: "p", dataset: "d", table: "t")
        #expect((try? BigQueryTableProbe.counters([name]) { _ in table }.get()) == ["p.d.t": [1_704_164_645_123]])
    }

    @Test func aViewOrAnUnreadableTableIsNeverSkipped() {
        let name = BigQueryTableProbe.Name(project: "p", dataset: "d", table: "v")
        let view = BigQueryAPI.Table(lastModifiedTime: "1", type: "VIEW")
        func reason(_ counted: Result<[String: [Int64]], BigQueryTableProbe.Unjudged>) -> String? {
            if case .failure(let unjudged) = counted { return unjudged.reason }
            return nil
        }
        #expect(
            reason(BigQueryTableProbe.counters([name]) { _ in view })
                == "p.d.v is a VIEW, whose lastModifiedTime does not move with what it reads")
        #expect(
            reason(BigQueryTableProbe.counters([name]) { _ in throw ConnectorError(.query, "notFound") })?
                .hasPrefix("cannot read table p.d.v's metadata: ") == true)
    }
}

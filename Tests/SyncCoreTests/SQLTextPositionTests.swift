import Testing

@testable import SyncCore

/// A warehouse's error place in a statement that wraps the model's query, moved back into the query.
@Suite struct SQLTextPositionTests {
    @Test func aPlaceInTheWrappedQueryIsThePlaceInTheQuery() {
        let query = "SELECT id,\n  ltv\n  FRM t;\n"
        let sent = "SELECT * FROM (\n" + SQLText.stripTrailingSemicolon(query) + "\n) q WHERE 1 = 0"
        let frm = sent.distance(from: sent.startIndex, to: sent.range(of: "FRM")!.lowerBound) + 1
        let moved = SQLText.position(frm, in: sent, of: query)
        #expect(moved.map { query.dropFirst($0 - 1).hasPrefix("FRM t") } == true, "\(String(describing: moved))")
        #expect(SQLText.position(1, in: sent, of: query) == nil, "the wrapper's own SELECT")
        #expect(SQLText.position(sent.count, in: sent, of: query) == nil, "the wrapper's WHERE")
        #expect(SQLText.position(3, in: query, of: query) == 3, "sent as written")
    }
}

import CLibPQ
import Foundation
import SyncCore

/// The statement calls a source makes beside `execute` and `COPY`: describing a query without
/// running it, streaming a result a row at a time, and draining what the server still sends.
extension PGConnection {
    /// Prepares `sql` as the unnamed statement and describes it (its columns' names and type OIDs),
    /// running nothing. Another statement on this connection replaces the unnamed one.
    /// - Throws: `ConnectorError` when the server refuses it.
    package func describe(_ sql: String) throws -> PGResult {
        _ = try check(PQprepare(handle, "", sql, 0, nil))
        return try check(PQdescribePrepared(handle, ""))
    }

    /// Reads and drops every result still pending (after a cancel, or an error mid-stream).
    package func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }

    /// Runs `sql` through the extended protocol (one statement only) in single-row mode and hands
    /// each row to `row`, whose `cell(i)` gives column i's text bytes, nil for NULL, valid during
    /// the call. `firstResult` is called when the server's first answer arrives.
    /// - Throws: `ConnectorError` from the server (cancelled when `cancelled()` says so), or
    ///   whatever `row` throws (the rest of the result is drained first).
    package func streamRows(
        _ sql: String, columns: Int, cancelled: () -> Bool, firstResult: () -> Void,
        row: ((Int) -> UnsafeBufferPointer<UInt8>?) throws -> Void
    ) throws {
        guard PQsendQueryParams(handle, sql, 0, nil, nil, nil, nil, 0) == 1, PQsetSingleRowMode(handle) == 1 else {
            throw error(nil)
        }
        var first = true
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            if first {
                firstResult()
                first = false
            }
            let status = PQresultStatus(result)
            if status == PGRES_TUPLES_OK { continue }
            guard status == PGRES_SINGLE_TUPLE else {
                let failure = error(result, cancelled: cancelled())
                drainResults()
                throw failure
            }
            do {
                try row { column in
                    guard PQgetisnull(result, 0, Int32(column)) == 0, let value = PQgetvalue(result, 0, Int32(column))
                    else { return nil }
                    let length = Int(PQgetlength(result, 0, Int32(column)))
                    return value.withMemoryRebound(to: UInt8.self, capacity: length) {
                        UnsafeBufferPointer(start: $0, count: length)
                    }
                }
            } catch {
                drainResults()
                throw error
            }
        }
        if isBroken { throw error(nil, cancelled: cancelled()) }
    }
}

import CODBC
import SyncCore

/// The column-wise bound buffers of a block cursor: for each column, `rows` cells of
/// `bufferWidth` bytes and `rows` length indicators. Owns them: `deinit` unbinds and frees them,
/// also when binding a column fails half way.
package final class ODBCRowBlock {
    private let statement: ODBCStatement
    private let columns: [ODBCColumn]
    private var buffers: [UnsafeMutableRawPointer] = []
    private var indicators: [UnsafeMutablePointer<SQLLEN>] = []
    private let fetchedCount: UnsafeMutablePointer<SQLULEN>
    private let rows: Int
    private var longValue: [UInt8] = []

    package var fetched: Int { Int(fetchedCount.pointee) }

    package init(statement: ODBCStatement, columns: [ODBCColumn], rows: Int) throws {
        self.statement = statement
        self.columns = columns
        self.rows = rows
        fetchedCount = .allocate(capacity: 1)
        fetchedCount.pointee = 0
        SQLSetStmtAttr(statement.handle, SQLINTEGER(SQL_ATTR_ROWS_FETCHED_PTR), SQLPOINTER(fetchedCount), 0)
        for (index, column) in columns.enumerated() {
            let width = column.bufferWidth
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: width * rows, alignment: 8)
            let indicator = UnsafeMutablePointer<SQLLEN>.allocate(capacity: rows)
            buffers.append(buffer)
            indicators.append(indicator)
            let cType = column.isBinary ? SQL_C_BINARY : SQL_C_CHAR
            guard
                odbcSucceeded(
                    SQLBindCol(
                        statement.handle, SQLUSMALLINT(index + 1), SQLSMALLINT(cType), buffer, SQLLEN(width), indicator)
                )
            else {
                throw statement.error("could not bind column \(column.name)")
            }
        }
    }

    deinit {
        SQLFreeStmt(statement.handle, SQLUSMALLINT(SQL_UNBIND))
        buffers.forEach { $0.deallocate() }
        indicators.forEach { $0.deallocate() }
        fetchedCount.deallocate()
    }

    package func value(row: Int, column: Int, bytes: inout Int) throws -> Value {
        let indicator = indicators[column][row]
        if indicator == SQLLEN(SQL_NULL_DATA) { return .null }
        let spec = columns[column]
        let width = spec.bufferWidth
        let capacity = spec.isBinary ? width : width - 1
        if indicator == SQLLEN(SQL_NO_TOTAL) || Int(indicator) > capacity {
            try readLong(row: row, column: column)
            bytes += longValue.count
            return longValue.withUnsafeBufferPointer { decode($0, spec) }
        }
        bytes += Int(indicator)
        let start = buffers[column].advanced(by: row * width).assumingMemoryBound(to: UInt8.self)
        return decode(UnsafeBufferPointer(start: start, count: Int(indicator)), spec)
    }

    private func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ column: ODBCColumn) -> Value {
        column.isBinary ? .bytes(Array(bytes)) : TextCellDecoder.decode(bytes, as: column.valueType)
    }

    /// A value longer than its bound buffer: position the cursor on its row and read it whole
    /// with `SQLGetData`, in pieces.
    private func readLong(row: Int, column: Int) throws {
        guard
            rows == 1
                || odbcSucceeded(
                    SQLSetPos(
                        statement.handle, SQLSETPOSIROW(row + 1), SQLUSMALLINT(SQL_POSITION),
                        SQLUSMALLINT(SQL_LOCK_NO_CHANGE)))
        else {
            throw statement.error(
                "could not position on row \(row + 1) to read the long value of column \(columns[column].name)")
        }
        let binary = columns[column].isBinary
        let cType = SQLSMALLINT(binary ? SQL_C_BINARY : SQL_C_CHAR)
        longValue.removeAll(keepingCapacity: true)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            var indicator: SQLLEN = 0
            let rc = SQLGetData(
                statement.handle, SQLUSMALLINT(column + 1), cType, &chunk, SQLLEN(chunk.count), &indicator)
            if rc == SQL_NO_DATA { break }
            guard odbcSucceeded(rc) else {
                throw statement.error("could not read the long value of column \(columns[column].name)")
            }
            if indicator == SQLLEN(SQL_NULL_DATA) { break }
            let room = binary ? chunk.count : chunk.count - 1
            let got = (indicator == SQLLEN(SQL_NO_TOTAL) || Int(indicator) > room) ? room : Int(indicator)
            longValue.append(contentsOf: chunk[0..<got])
            if rc == SQL_SUCCESS { break }
        }
    }
}

@available(*, unavailable)
extension ODBCRowBlock: Sendable {}

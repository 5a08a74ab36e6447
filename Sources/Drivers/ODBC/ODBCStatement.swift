import CODBC
import SyncCore

/// One ODBC statement handle, freed in `deinit`; its connection outlives it.
package final class ODBCStatement {
    package let handle: SQLHANDLE
    let connection: ODBCConnection

    package init(connection: ODBCConnection) throws {
        var stmt: SQLHANDLE?
        guard odbcSucceeded(SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_STMT), connection.handle, &stmt)), let stmt else {
            throw ODBCDiagnostics.error(SQL_HANDLE_DBC, connection.handle, context: "could not allocate a statement")
        }
        self.handle = stmt
        self.connection = connection
    }

    deinit {
        SQLFreeStmt(handle, SQLUSMALLINT(SQL_CLOSE))
        SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_STMT), handle)
    }

    package func setAttribute(_ attribute: Int32, _ value: Int) {
        SQLSetStmtAttr(handle, SQLINTEGER(attribute), SQLPOINTER(bitPattern: value), 0)
    }

    /// The driver's query timeout (`SQL_ATTR_QUERY_TIMEOUT`), in whole seconds, at least 1.
    package func setQueryTimeout(_ timeout: Duration) {
        setAttribute(SQL_ATTR_QUERY_TIMEOUT, Int(max(1, timeout.components.seconds)))
    }

    /// Column-wise binding of `rows` rows a fetch (`SQLFetchScroll` fills a block of them).
    package func bindRowsByColumn(rows: Int) {
        setAttribute(SQL_ATTR_ROW_BIND_TYPE, Int(SQL_BIND_BY_COLUMN))
        setAttribute(SQL_ATTR_ROW_ARRAY_SIZE, rows)
    }

    /// Fetches the next block of rows; false when there are no more.
    /// - Throws: `ConnectorError` from the driver (cancelled when `cancelled`).
    package func fetchNext(cancelled: Bool) throws -> Bool {
        let rc = SQLFetchScroll(handle, SQLSMALLINT(SQL_FETCH_NEXT), 0)
        if rc == SQL_NO_DATA { return false }
        guard odbcSucceeded(rc) else { throw error("fetching rows failed", cancelled: cancelled) }
        return true
    }

    /// The rows the driver says the last statement affected (`SQLRowCount`), or 0.
    package var rowCount: Int {
        var count: SQLLEN = 0
        return odbcSucceeded(SQLRowCount(handle, &count)) ? max(0, Int(count)) : 0
    }

    package func execute(_ sql: String, cancelled: Bool = false) throws {
        var bytes = Array(sql.utf8)
        let rc = SQLExecDirect(handle, &bytes, SQLINTEGER(bytes.count))
        guard odbcSucceeded(rc) || rc == SQL_NO_DATA else { throw error("the query failed", cancelled: cancelled) }
    }

    package func prepare(_ sql: String) throws {
        var bytes = Array(sql.utf8)
        guard odbcSucceeded(SQLPrepare(handle, &bytes, SQLINTEGER(bytes.count))) else {
            throw error("the query did not compile")
        }
    }

    package func error(_ context: String, cancelled: Bool = false) -> ConnectorError {
        ODBCDiagnostics.error(
            SQL_HANDLE_STMT, handle, context: context, secrets: connection.secrets, cancelled: cancelled)
    }

    /// The result's columns with their SQL type and size.
    package func describeColumns() throws -> [ODBCColumn] {
        var count: SQLSMALLINT = 0
        guard odbcSucceeded(SQLNumResultCols(handle, &count)) else {
            throw error("could not read the result's columns")
        }
        return try (0..<Int(count)).map { index in
            var name = [SQLCHAR](repeating: 0, count: 512)
            var nameLength: SQLSMALLINT = 0
            var sqlType: SQLSMALLINT = 0
            var size: SQLULEN = 0
            var digits: SQLSMALLINT = 0
            var nullable: SQLSMALLINT = 0
            guard
                odbcSucceeded(
                    SQLDescribeCol(
                        handle, SQLUSMALLINT(index + 1), &name, SQLSMALLINT(name.count),
                        &nameLength, &sqlType, &size, &digits, &nullable))
            else {
                throw error("could not describe column \(index + 1)")
            }
            return ODBCColumn(
                name: String(decoding: name.prefix(Int(nameLength)), as: UTF8.self),
                sqlType: Int32(sqlType), size: Int(size))
        }
    }
}

@available(*, unavailable)
extension ODBCStatement: Sendable {}

/// `SQLCancel` may be called from another thread on a statement executing synchronously.
package final class ODBCCancelHandle: @unchecked Sendable {
    // Keeps the statement (and so its handle) alive while a cancel may still be sent; only
    // SQLCancel, which ODBC allows from another thread, is called through it.
    private let statement: ODBCStatement
    package init(_ statement: ODBCStatement) { self.statement = statement }
    package func send() { _ = SQLCancel(statement.handle) }
}

/// A result column as the driver describes it.
package struct ODBCColumn {
    package var name: String
    var sqlType: Int32
    var size: Int

    package var valueType: ValueType {
        switch sqlType {
        case SQL_BIT: return .bool
        case SQL_TINYINT, SQL_SMALLINT, SQL_INTEGER, SQL_BIGINT: return .int
        case SQL_REAL, SQL_FLOAT, SQL_DOUBLE: return .double
        case SQL_DECIMAL, SQL_NUMERIC: return .decimal
        case SQL_TYPE_DATE, SQL_DATE: return .date
        case SQL_TYPE_TIMESTAMP, SQL_TIMESTAMP: return .timestamp
        case SQL_BINARY, SQL_VARBINARY, SQL_LONGVARBINARY: return .bytes
        default: return .text
        }
    }

    var isBinary: Bool { valueType == .bytes }

    /// Bytes bound per cell: the declared size (UTF-8 can take 4 bytes a character) within limits.
    var bufferWidth: Int {
        switch valueType {
        case .bool, .int, .double, .date, .timestamp: return 64
        case .decimal: return 128
        default:
            guard size > 0 else { return 4096 }
            return min(max(size * 4 + 1, 16), 4096)
        }
    }
}

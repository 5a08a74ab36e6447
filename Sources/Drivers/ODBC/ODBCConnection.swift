import CODBC
import SyncCore

/// One ODBC connection: owns its environment and connection handles, freed in `deinit`.
public final class ODBCConnection {
    let environment: SQLHANDLE
    let handle: SQLHANDLE
    let secrets: [String]
    /// The DBMS the driver reports (`SQL_DBMS_NAME`), e.g. "PostgreSQL", "SQLite", "Snowflake".
    public let dbmsName: String
    /// Whether `SQLGetData` works inside a block of rows (`SQL_GD_BLOCK`); without it, a block
    /// cursor cannot read a value longer than its bound buffer.
    public let getDataInBlocks: Bool

    /// Connects with a full connection string or `DSN=name;...`, in read-only access mode.
    /// - Throws: `ConnectorError` whose text never holds `PWD=` or any other secret of the string.
    public init(connectionString: String, loginTimeout: Int = 10) throws {
        var env: SQLHANDLE?
        guard odbcSucceeded(SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_ENV), nil, &env)), let env else {
            throw ConnectorError(.connectionFailed, "could not allocate an ODBC environment (is unixODBC installed?)")
        }
        SQLSetEnvAttr(env, SQLINTEGER(SQL_ATTR_ODBC_VERSION), SQLPOINTER(bitPattern: Int(SQL_OV_ODBC3)), 0)
        var dbc: SQLHANDLE?
        guard odbcSucceeded(SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_DBC), env, &dbc)), let dbc else {
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_ENV), env)
            throw ConnectorError(.connectionFailed, "could not allocate an ODBC connection handle")
        }
        let secrets = ConnectionString.secretValues(connectionString)
        SQLSetConnectAttr(dbc, SQLINTEGER(SQL_ATTR_ACCESS_MODE), SQLPOINTER(bitPattern: UInt(SQL_MODE_READ_ONLY)), 0)
        SQLSetConnectAttr(dbc, SQLINTEGER(SQL_ATTR_LOGIN_TIMEOUT), SQLPOINTER(bitPattern: loginTimeout), 0)
        var bytes = Array(connectionString.utf8)
        var outLength: SQLSMALLINT = 0
        let rc = SQLDriverConnect(
            dbc, nil, &bytes, SQLSMALLINT(bytes.count), nil, 0, &outLength, SQLUSMALLINT(SQL_DRIVER_NOPROMPT))
        guard odbcSucceeded(rc) else {
            let error = ODBCDiagnostics.error(
                SQL_HANDLE_DBC, dbc, context: "could not connect through ODBC",
                secrets: secrets, connecting: true)
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_DBC), dbc)
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_ENV), env)
            throw error
        }
        self.environment = env
        self.handle = dbc
        self.secrets = secrets
        var name = [SQLCHAR](repeating: 0, count: 128)
        var nameLength: SQLSMALLINT = 0
        SQLGetInfo(dbc, SQLUSMALLINT(SQL_DBMS_NAME), &name, SQLSMALLINT(name.count), &nameLength)
        self.dbmsName = String(decoding: name.prefix(Int(nameLength)), as: UTF8.self)
        var extensions: SQLUINTEGER = 0
        SQLGetInfo(
            dbc, SQLUSMALLINT(SQL_GETDATA_EXTENSIONS), &extensions, SQLSMALLINT(MemoryLayout<SQLUINTEGER>.size), nil)
        self.getDataInBlocks = extensions & SQLUINTEGER(SQL_GD_BLOCK) != 0
    }

    deinit {
        SQLDisconnect(handle)
        SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_DBC), handle)
        SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_ENV), environment)
    }

    /// Runs one statement that returns no rows.
    public func execute(_ sql: String) throws {
        let statement = try ODBCStatement(connection: self)
        try statement.execute(sql)
    }
}

@available(*, unavailable)
extension ODBCConnection: Sendable {}

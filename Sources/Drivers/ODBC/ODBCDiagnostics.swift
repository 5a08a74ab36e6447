import CODBC
import SyncCore

/// Reads every diagnostic record of an ODBC handle into one `ConnectorError`.
enum ODBCDiagnostics {
    struct Record {
        var sqlState: String
        var nativeError: Int
        var message: String
    }

    static func records(_ type: Int32, _ handle: SQLHANDLE?) -> [Record] {
        guard let handle else { return [] }
        var records: [Record] = []
        var index: SQLSMALLINT = 1
        while true {
            var state = [SQLCHAR](repeating: 0, count: 6)
            var native: SQLINTEGER = 0
            var message = [SQLCHAR](repeating: 0, count: 2048)
            var length: SQLSMALLINT = 0
            let rc = SQLGetDiagRec(
                SQLSMALLINT(type), handle, index, &state, &native, &message, SQLSMALLINT(message.count), &length)
            guard rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO else { break }
            let text = String(decoding: message.prefix(min(Int(length), message.count - 1)), as: UTF8.self)
            records.append(
                Record(
                    sqlState: String(decoding: state.prefix(5), as: UTF8.self), nativeError: Int(native), message: text)
            )
            index += 1
        }
        return records
    }

    /// The error for a failed call; `secrets` are blanked out of driver messages.
    static func error(
        _ type: Int32, _ handle: SQLHANDLE?, context: String, secrets: [String] = [],
        cancelled: Bool = false, connecting: Bool = false
    ) -> ConnectorError {
        let all = records(type, handle)
        var message = all.map { "[\($0.sqlState)] \($0.message)" }.joined(separator: "; ")
        for secret in secrets where !secret.isEmpty {
            message = message.replacingOccurrences(of: secret, with: "•••")
        }
        if message.isEmpty { message = "no diagnostics from the driver" }
        let state = all.first?.sqlState
        let code: ConnectorError.Code
        switch state {
        case "HY008": code = .cancelled
        case "HYT00", "HYT01": code = .timeout
        case "57014": code = cancelled ? .cancelled : .timeout
        case let s? where s.hasPrefix("08"): code = connecting ? .connectionFailed : .connectionLost
        default: code = connecting ? .connectionFailed : .query
        }
        return ConnectorError(
            code, "\(context): \(message)", sqlState: state,
            position: positionHint(in: message), nativeError: all.first?.nativeError)
    }

    /// psqlodbc and others pass the server's "Position: N" along in the message text.
    private static func positionHint(in message: String) -> Int? {
        guard let range = message.range(of: "Position: ") else { return nil }
        return Int(message[range.upperBound...].prefix { $0.isNumber })
    }
}

@inline(__always) package func odbcSucceeded(_ rc: SQLRETURN) -> Bool {
    rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO
}

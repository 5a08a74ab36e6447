import CLibPQ

extension PGConnection {
    /// Runs `COPY ... FROM STDIN` with `data` (COPY text format, one line a row).
    public func copyIn(_ sql: String, _ data: [UInt8]) throws {
        _ = try check(PQexec(handle, sql))
        let chunk = 1 << 20
        var offset = 0
        while offset < data.count {
            let end = min(offset + chunk, data.count)
            let sent = data[offset..<end].withUnsafeBytes { bytes in
                PQputCopyData(handle, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
            }
            guard sent == 1 else { throw error(nil) }
            offset = end
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw error(nil) }
        var failure: ConnectorError?
        while let result = PQgetResult(handle) {
            if failure == nil, PQresultStatus(result) != PGRES_COMMAND_OK { failure = error(result) }
            PQclear(result)
        }
        if let failure { throw failure }
    }
}

/// Appends `text` in COPY's text format: backslash, tab, newline and carriage return escaped.
public func appendCopyText(_ text: some Sequence<UInt8>, to out: inout [UInt8]) {
    for byte in text {
        switch byte {
        case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
        case 9: out.append(contentsOf: [92, UInt8(ascii: "t")])
        case 10: out.append(contentsOf: [92, UInt8(ascii: "n")])
        case 13: out.append(contentsOf: [92, UInt8(ascii: "r")])
        default: out.append(byte)
        }
    }
}

import CLibPQ
import SyncCore

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
public func appendCopyText(_ text: String, to out: inout [UInt8]) {
    var text = text
    text.withUTF8 { appendCopyText($0, to: &out) }
}

/// Appends `bytes` in COPY's text format; bytes that need no escaping are copied whole.
public func appendCopyText(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    var runStart = 0
    for (index, byte) in bytes.enumerated() where byte == 92 || byte == 9 || byte == 10 || byte == 13 {
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
        switch byte {
        case 92: out.append(contentsOf: [92, 92])
        case 9: out.append(contentsOf: [92, UInt8(ascii: "t")])
        case 10: out.append(contentsOf: [92, UInt8(ascii: "n")])
        default: out.append(contentsOf: [92, UInt8(ascii: "r")])
        }
        runStart = index + 1
    }
    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
}

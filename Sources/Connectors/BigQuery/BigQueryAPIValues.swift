import Foundation
import SyncCore

/// The REST API's cells as canonical values, by the field's type as BigQuery documents the f/v
/// encoding (https://cloud.google.com/bigquery/docs/reference/rest/v2/tabledata/list): every scalar is a
/// string; INT64 as decimal text, NUMERIC and BIGNUMERIC as exact decimal text, FLOAT64 as text
/// (`NaN`, `Infinity`), BOOL `true`/`false`, BYTES base64, DATE `YYYY-MM-DD`, DATETIME
/// `YYYY-MM-DDTHH:MM:SS[.ffffff]`, TIME `HH:MM:SS[.ffffff]`, TIMESTAMP int64 microseconds since the
/// epoch (`formatOptions.useInt64Timestamp`; float seconds without it), JSON and GEOGRAPHY (WKT) as text.
/// A REPEATED field's cell is a list of cells and a RECORD's a row; both become JSON text.
enum BigQueryAPIValues {
    /// The value type of a column described by `field`.
    static func valueType(_ field: BigQueryAPI.Field) -> ValueType {
        if field.mode?.uppercased() == "REPEATED" { return .json }
        switch field.type.uppercased() {
        case "INTEGER", "INT64": return .int
        case "FLOAT", "FLOAT64": return .double
        case "NUMERIC", "BIGNUMERIC", "DECIMAL", "BIGDECIMAL": return .decimal
        case "BOOLEAN", "BOOL": return .bool
        case "BYTES": return .bytes
        case "DATE": return .date
        case "DATETIME": return .timestamp
        case "TIMESTAMP": return .timestampTZ
        case "JSON", "RECORD", "STRUCT": return .json
        default: return .text
        }
    }

    /// One cell of a column described by `field`; a null cell is `.null`.
    static func value(_ cell: BigQueryAPI.CellValue, field: BigQueryAPI.Field) -> Value {
        switch cell {
        case .null: return .null
        case .list, .record: return .json(json(cell, field: field))
        case .text(let text):
            if field.mode?.uppercased() == "REPEATED" { return .json(json(cell, field: field)) }
            return scalar(text, type: field.type.uppercased())
        }
    }

    private static func scalar(_ text: String, type: String) -> Value {
        switch type {
        case "INTEGER", "INT64": return Int64(text).map(Value.int) ?? .decimal(text)
        case "FLOAT", "FLOAT64": return .double(double(text))
        case "NUMERIC", "BIGNUMERIC", "DECIMAL", "BIGDECIMAL": return .decimal(text)
        case "BOOLEAN", "BOOL": return .bool(text.lowercased() == "true")
        case "BYTES": return Data(base64Encoded: text).map { .bytes(Array($0)) } ?? .text(text)
        case "DATE": return .date(text)
        case "DATETIME": return .timestamp(trimmedFraction(text.replacingOccurrences(of: " ", with: "T")))
        case "TIME": return .text(trimmedFraction(text))
        case "TIMESTAMP": return timestamp(text).map { .timestampTZ($0) } ?? .text(text)
        case "JSON": return .json(text)
        default: return .text(text)
        }
    }

    /// `1704164645123456` (microseconds) or `1.704164645123456E9` (seconds) as `YYYY-MM-DDTHH:MM:SS[.f]Z`.
    static func timestamp(_ text: String) -> String? {
        var micros: Int64
        if let exact = Int64(text) {
            micros = exact
        } else if let seconds = Double(text), seconds.isFinite, abs(seconds) < 1e13 {
            micros = Int64((seconds * 1_000_000).rounded())
        } else {
            return nil
        }
        var whole = micros / 1_000_000
        var rest = micros % 1_000_000
        if rest < 0 {
            whole -= 1
            rest += 1_000_000
        }
        return EpochText.timestamp(EpochText.Seconds(whole: whole, nanos: rest * 1000)) + "Z"
    }

    private static func double(_ text: String) -> Double {
        switch text.lowercased() {
        case "nan": .nan
        case "infinity", "inf": .infinity
        case "-infinity", "-inf": -.infinity
        default: Double(text) ?? .nan
        }
    }

    /// `03:04:05.500000` as `03:04:05.5`: fractions without trailing zeros, as the other sources spell them.
    private static func trimmedFraction(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var out = Substring(text)
        while out.hasSuffix("0") { out = out.dropLast() }
        if out.hasSuffix(".") { out = out.dropLast() }
        return String(out)
    }

    /// A nested cell as JSON text: a REPEATED field as an array, a RECORD as an object of its fields'
    /// names; numbers (INT64, FLOAT64, NUMERIC) as JSON numbers, JSON as itself, the rest as strings in
    /// their canonical text (a TIMESTAMP as its instant, BYTES in base64).
    static func json(_ cell: BigQueryAPI.CellValue, field: BigQueryAPI.Field) -> String {
        if field.mode?.uppercased() == "REPEATED" {
            guard case .list(let items) = cell else { return cell.isNull ? "[]" : element(cell, field: field) }
            return "[" + items.map { element($0.v, field: field) }.joined(separator: ",") + "]"
        }
        return element(cell, field: field)
    }

    /// One element (a REPEATED field's item, or a non-repeated cell) as JSON.
    private static func element(_ cell: BigQueryAPI.CellValue, field: BigQueryAPI.Field) -> String {
        switch cell {
        case .null: return "null"
        case .list(let items):
            return "[" + items.map { element($0.v, field: field) }.joined(separator: ",") + "]"
        case .record(let cells):
            let fields = field.fields ?? []
            let members = zip(fields, cells).map { sub, cell in quoted(sub.name) + ":" + json(cell.v, field: sub) }
            return "{" + members.joined(separator: ",") + "}"
        case .text(let text):
            switch scalar(text, type: field.type.uppercased()) {
            case .int(let n): return String(n)
            case .double(let d): return d.isFinite ? String(d) : quoted(String(d))
            case .decimal(let s): return s
            case .bool(let b): return b ? "true" : "false"
            case .json(let s): return s
            case .bytes: return quoted(text)
            case .date(let s), .timestamp(let s), .timestampTZ(let s), .text(let s): return quoted(s)
            default: return quoted(text)
            }
        }
    }

    /// `text` as a JSON string, escaped as the canonical values' JSON is.
    static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        appendJSONString(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension BigQueryAPI.CellValue {
    var isNull: Bool { if case .null = self { true } else { false } }
}

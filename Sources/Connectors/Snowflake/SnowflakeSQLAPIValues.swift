import SyncCore

/// The SQL API's cells as canonical values, by the column's `rowType.type` as Snowflake documents
/// them (https://docs.snowflake.com/en/developer-guide/sql-api/handling-responses): `fixed` as an
/// integer or, with a scale, an exact decimal; `real` as a double; `boolean`; `date` as days since
/// 1970-01-01; `time` as seconds since midnight; `timestamp_ntz` and `timestamp_ltz` as seconds
/// since the epoch with nine decimals; `timestamp_tz` the same followed by a space and the offset in
/// minutes plus 1440; `variant`, `object` and `array` as JSON text; `binary` as hex; `text` as is.
/// A cell already in ISO form (`2024-01-02`, `2024-01-02 03:04:05`) is read as such, as emulators send it;
/// an `untyped` column's (`RowType.decodedType`) `True` and `False` are booleans, its other cells text.
enum SnowflakeSQLAPIValues {
    /// The value type of a column of `type` with `scale`.
    static func valueType(_ type: String, scale: Int?) -> ValueType {
        switch type.lowercased() {
        case "fixed": (scale ?? 0) == 0 ? .int : .decimal
        case "real", "float", "double": .double
        case "boolean": .bool
        case "date": .date
        case "timestamp_ntz": .timestamp
        case "timestamp_ltz", "timestamp_tz": .timestampTZ
        case "variant", "object", "array": .json
        case "binary": .bytes
        case "untyped": .unknown
        default: .text
        }
    }

    /// One cell of a column of `type`; a null cell is `.null`.
    static func value(_ cell: String?, type: String, scale: Int?) -> Value {
        guard let cell else { return .null }
        switch type.lowercased() {
        case "fixed":
            if (scale ?? 0) == 0, let int = Int64(cell) { return .int(int) }
            return .decimal(cell)
        case "real", "float", "double":
            return .double(
                Double(cell) ?? (cell.lowercased() == "inf" ? .infinity : cell == "-inf" ? -.infinity : .nan))
        case "boolean":
            return .bool(["true", "1", "t", "yes"].contains(cell.lowercased()))
        case "date":
            if cell.contains("-") && cell.count >= 10 { return .date(cell) }
            guard let days = Int64(cell), abs(days) < 1 << 30 else { return .text(cell) }
            return .date(EpochText.date(days: days))
        case "time":
            return EpochText.seconds(cell).map { .text(EpochText.time($0)) } ?? .text(cell)
        case "timestamp_ntz":
            if let iso = EpochText.isoText(cell) { return .timestamp(iso) }
            return EpochText.seconds(cell).map { .timestamp(EpochText.timestamp($0)) } ?? .text(cell)
        case "timestamp_ltz", "timestamp_tz":
            // The epoch is the instant in UTC; timestamp_tz's offset after the space only says how it was written.
            let instant = cell.split(separator: " ").first.map(String.init) ?? cell
            if let iso = EpochText.isoText(cell) { return .timestampTZ(iso + "Z") }
            return EpochText.seconds(instant).map { .timestampTZ(EpochText.timestamp($0) + "Z") }
                ?? .text(cell)
        case "variant", "object", "array":
            return .json(cell)
        case "binary":
            return EpochText.hexBytes(cell).map(Value.bytes) ?? .text(cell)
        case "untyped":
            return cell == "True" ? .bool(true) : cell == "False" ? .bool(false) : .text(cell)
        default:
            return .text(cell)
        }
    }
}

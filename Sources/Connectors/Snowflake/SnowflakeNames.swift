import SyncCore

/// Result column names as WarehouseSync reads them from Snowflake, on both routes: Snowflake folds
/// unquoted identifiers to upper case (https://docs.snowflake.com/en/sql-reference/identifiers-syntax),
/// so a name without a lower-case letter (`USER_ID`) is read in lower case (`user_id`) and
/// `-- key: user_id` matches it; a quoted name with a lower-case letter (`"ltvScore"`) keeps its case.
/// `SnowflakeDialect.quote(identifier:)` spells such a name back upper-cased.
enum SnowflakeNames {
    /// `USER_ID` as `user_id`; a name with a lower-case letter as it is.
    static func resultName(_ name: String) -> String {
        name.contains(where: \.isLowercase) ? name : name.lowercased()
    }

    /// `columns` with their names read as `resultName` says.
    static func folded(_ columns: [Column]) -> [Column] {
        columns.map { Column(name: resultName($0.name), type: $0.type) }
    }
}

/// Passes a result on with its column names folded (`SnowflakeNames`).
struct SnowflakeFoldedReceiver<Inner: RowReceiver>: RowReceiver {
    var inner: Inner

    mutating func columns(_ columns: [Column]) throws { try inner.columns(SnowflakeNames.folded(columns)) }
    mutating func row(_ values: [Value]) throws { try inner.row(values) }
    mutating func row(raw: RawRow) throws { try inner.row(raw: raw) }
}

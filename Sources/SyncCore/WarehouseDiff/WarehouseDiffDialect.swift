/// What a warehouse that runs a diff inside itself (docs/warehouse-diff.md) says in its own SQL:
/// the kinds that declare the `warehouseDiff` capability conform.
public protocol WarehouseDiffDialect: SQLDialect {
    /// The text type that holds any value's text (Redshift's `TEXT` is `VARCHAR(256)`).
    var textType: String { get }

    /// The hash of a row's traits, given each trait's value as an expression (`q."ltv"`): the
    /// warehouse's hash of an injective text of them (`md5`, `SHA1`, `FARM_FINGERPRINT`).
    func traitsHash(_ values: [String]) -> String

    /// The key's text compared by its bytes, whatever the key column's collation (a case-insensitive
    /// one would make `Bob` and `bob` one key here and two in the store).
    func byBytes(_ text: String) -> String

    /// True for a row whose key text the store can hold as a profile's key (`ProfileKey.problem`):
    /// not NULL, at most 1,024 bytes of UTF-8, not blank.
    func usableKey(_ column: String) -> String

    /// The key column's type in a result table created before the model runs from the result's
    /// column types, so that the model's text runs only in a read-only transaction; nil where the
    /// table is created from the query itself (`createResult(_:as:)`).
    var resultKeyType: String? { get }

    /// The statement that creates (or replaces) the session's temporary `table` as `select`'s result.
    func createResult(_ table: String, as select: String) -> String

    /// The statement that creates (or replaces) `table`, a schema-qualified table of the scratch
    /// schema, as `select`'s result: where no session outlives a statement, the result is kept there.
    func createScratchResult(_ table: String, as select: String) -> String

    /// One row, one column: how many schemas named `schema` (any case) the session can see; 0 when the
    /// scratch schema is missing or the role has no privilege on it.
    func schemaCount(_ schema: String) -> String

    /// One column: the tables of `schema` whose name starts with `prefix`, in lower case.
    func tables(schema: String, prefix: String) -> String
}

extension WarehouseDiffDialect {
    /// One column, lower case: the tables of `schema` whose name starts with `prefix`, from the
    /// standard `information_schema` (Snowflake keeps unquoted names in upper case; the prefix has no
    /// LIKE wildcards' meaning here).
    public func tables(schema: String, prefix: String) -> String {
        "SELECT LOWER(table_name) FROM information_schema.tables WHERE LOWER(table_schema) = "
            + "\(literal(schema.lowercased())) AND SUBSTR(LOWER(table_name), 1, \(prefix.utf8.count)) = "
            + literal(prefix)
    }

    public func createResult(_ table: String, as select: String) -> String {
        "CREATE OR REPLACE TEMPORARY TABLE \(table) AS \(select)"
    }

    /// From the standard `information_schema.schemata`.
    public func schemaCount(_ schema: String) -> String {
        "SELECT COUNT(*) FROM information_schema.schemata WHERE LOWER(schema_name) = \(literal(schema.lowercased()))"
    }

    public func createScratchResult(_ table: String, as select: String) -> String {
        "CREATE OR REPLACE TABLE \(table) AS \(select)"
    }

    /// The standard text of a row's traits: each `length:text` or `-` for NULL, concatenated, so two
    /// rows with different values never share it.
    public func lengthPrefixed(_ values: [String], text: (String) -> String) -> String {
        let parts = values.map { value in
            "COALESCE(CAST(LENGTH(\(text(value))) AS \(textType)) || ':' || \(text(value)), '-')"
        }
        return parts.isEmpty ? "''" : parts.joined(separator: " || ")
    }
}

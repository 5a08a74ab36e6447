import SyncCore

/// PostgreSQL's SQL around a model's query (https://www.postgresql.org/docs/current/sql.html).
public struct PostgresDialect: WarehouseDiffDialect {
    public init() {}

    public var name: String { "postgres" }

    public func keyText(_ column: String) -> String { "CAST(\(column) AS TEXT)" }

    public func byteOrder(_ text: String) -> String? { "\(text) COLLATE \"C\"" }

    /// For an ODBC session (psqlodbc): libpq sessions set the same through `set_config`.
    public func sessionSetup(tag: SessionTag?, timeout: Duration?) -> [String] {
        var statements = ["SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"]
        for (name, value) in Self.outputSettings { statements.append("SET \(name) = '\(value)'") }
        if let tag { statements.append("SET application_name = \(literal(tag.text))") }
        if let timeout { statements.append("SET statement_timeout = \(timeout.milliseconds)") }
        return statements
    }

    /// Settings that change how PostgreSQL spells a value (or reads a string literal), pinned in
    /// every session.
    public static let outputSettings: [(name: String, value: String)] = [
        ("standard_conforming_strings", "on"),
        ("TimeZone", "UTC"), ("DateStyle", "ISO, YMD"), ("IntervalStyle", "postgres"),
        ("extra_float_digits", "1"), ("bytea_output", "hex"), ("lc_monetary", "C"),
        ("xmlbinary", "base64"), ("xmloption", "content"),
    ]

    // MARK: The diff inside the warehouse

    public var textType: String { "TEXT" }

    /// `md5` of each value's `length:text`: CONCAT spells each value with its type's output function,
    /// as COPY sends it (a cast to text would drop a char(n)'s padding); it makes NULL '', hence the CASE.
    public func traitsHash(_ values: [String]) -> String {
        let parts = values.map {
            "CASE WHEN \($0) IS NULL THEN '-' ELSE CAST(pg_catalog.length(pg_catalog.concat(\($0))) AS TEXT) "
                + "|| ':' || pg_catalog.concat(\($0)) END"
        }
        return "pg_catalog.md5(\(parts.isEmpty ? "''" : parts.joined(separator: " || ")))"
    }

    public func byBytes(_ text: String) -> String { "\(text) COLLATE \"C\"" }

    /// The store's limit is on UTF-8 bytes, whatever the database's encoding.
    public func usableKey(_ column: String) -> String {
        "(\(column) IS NOT NULL AND OCTET_LENGTH(CONVERT_TO(\(column), 'UTF8')) <= 1024 AND BTRIM(\(column), "
            + "' ' || CHR(9) || CHR(10) || CHR(11) || CHR(12) || CHR(13)) <> '')"
    }

    public var resultKeyType: String? { "TEXT COLLATE \"C\"" }
}

/// What differs between warehouses in the SQL WarehouseSync sends around a model's query.
public enum Dialect: String, Sendable, CaseIterable {
    case postgres, redshift, snowflake, bigquery, sqlite, generic

    /// The dialect of an ODBC data source, from the DBMS name its driver reports.
    public static func detect(dbmsName: String) -> Dialect {
        let name = dbmsName.lowercased()
        if name.contains("redshift") { return .redshift }
        if name.contains("postgres") { return .postgres }
        if name.contains("snowflake") { return .snowflake }
        if name.contains("bigquery") || name.contains("google") { return .bigquery }
        if name.contains("sqlite") { return .sqlite }
        return .generic
    }

    public func quote(identifier: String) -> String {
        switch self {
        case .bigquery: return "`" + identifier.replacingOccurrences(of: "`", with: "\\`") + "`"
        default: return "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    public func literal(_ text: String) -> String {
        switch self {
        case .bigquery:
            return "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
                + "'"
        default: return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        }
    }

    /// The name of the column `orderedByKey` puts first: the key's text.
    public static let keyTextColumn = "__warehouse_sync_key"

    /// The key's text as the warehouse casts it: the one definition of a key. The profile is
    /// stored, compared, shown and sorted by exactly this text (a `char(8)` key `'C001    '` is
    /// `C001`, a `bytea` key is its hex text `\x01ff`, a SQLite blob its hex digits).
    public func keyText(_ column: String) -> String {
        switch self {
        case .postgres, .redshift: return "CAST(\(column) AS TEXT)"
        case .snowflake: return "TO_VARCHAR(\(column))"
        case .bigquery: return "CAST(\(column) AS STRING)"
        case .sqlite: return "CASE WHEN typeof(\(column)) = 'blob' THEN hex(\(column)) ELSE CAST(\(column) AS TEXT) END"
        case .generic: return "CAST(\(column) AS VARCHAR(4000))"
        }
    }

    /// The model's query wrapped so that its first column is the key's text (`keyTextColumn`)
    /// and rows come ordered by that text in byte order, the order the store keeps snapshots in.
    public func orderedByKey(_ sql: String, key: String) -> String {
        let body = Self.stripTrailingSemicolon(sql)
        let text = keyText("q." + quote(identifier: key))
        let select = "SELECT \(text) AS \(quote(identifier: Self.keyTextColumn)), q.* FROM (\n\(body)\n) q ORDER BY "
        switch self {
        case .postgres, .redshift: return select + "\(text) COLLATE \"C\""
        case .snowflake: return select + "COLLATE(\(text), 'utf8')"
        case .bigquery: return select + "CAST(\(text) AS BYTES)"
        case .sqlite, .generic: return select + "1"
        }
    }

    /// The query wrapped so that the warehouse compiles it and returns no rows.
    public func compileOnly(_ sql: String) -> String {
        "SELECT * FROM (\n\(Self.stripTrailingSemicolon(sql))\n) q WHERE 1 = 0"
    }

    /// Statements that make an ODBC session read-only where the driver's access mode is only a
    /// hint, tag it with the model and run, and set the statement timeout.
    public func sessionSetup(tag: SessionTag?, timeout: Duration?) -> [String] {
        let tagText = tag?.text
        var statements: [String] = []
        switch self {
        case .postgres:
            statements.append("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            // The same output settings as libpq sessions (PostgresSource.outputSettings).
            for (name, value) in Self.postgresOutputSettings { statements.append("SET \(name) = '\(value)'") }
            if let tagText { statements.append("SET application_name = \(literal(tagText))") }
            if let timeout { statements.append("SET statement_timeout = \(timeout.milliseconds)") }
        case .redshift:
            statements.append("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            if let tagText { statements.append("SET query_group TO \(literal(tagText))") }
            if let timeout { statements.append("SET statement_timeout TO \(timeout.milliseconds)") }
        case .snowflake:
            if let tagText { statements.append("ALTER SESSION SET QUERY_TAG = \(literal(tagText))") }
            if let timeout {
                statements.append(
                    "ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = \(max(1, timeout.milliseconds / 1000))")
            }
        case .sqlite:
            statements.append("PRAGMA query_only = 1")
        case .bigquery:
            // Needs session mode (EnableSession=1); the cost query finds the job by this label.
            if let tag {
                statements.append("SET @@query_label = \"warehouse_sync_run:\(Self.bigQueryLabel(tag.runID))\"")
            }
        case .generic:
            break  // the ODBC query timeout applies
        }
        return statements
    }

    /// Settings that change how PostgreSQL spells a value (or reads a string literal), pinned in
    /// every session.
    public static let postgresOutputSettings: [(name: String, value: String)] = [
        ("standard_conforming_strings", "on"),
        ("TimeZone", "UTC"), ("DateStyle", "ISO, YMD"), ("IntervalStyle", "postgres"),
        ("extra_float_digits", "1"), ("bytea_output", "hex"), ("lc_monetary", "C"),
        ("xmlbinary", "base64"), ("xmloption", "content"),
    ]

    /// BigQuery label values allow lowercase letters, digits, '_' and '-', up to 63 characters.
    public static func bigQueryLabel(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }.prefix(63))
    }

    static func stripTrailingSemicolon(_ sql: String) -> String {
        var text = Substring(sql)
        while let last = text.last, last.isWhitespace || last == ";" { text.removeLast() }
        return String(text)
    }
}

/// How a query's result depends on the clock, read from its text (docs/cost.md), for warehouses whose
/// plans do not name the functions they call (Snowflake, BigQuery, Redshift). Conservative: a
/// function not known to be deterministic, including every user-defined one, makes the query
/// never skippable, as do the time and random functions; `CURRENT_DATE` alone makes it depend on
/// the day. Pure.
public enum QueryTimeScan {
    /// Words that read the date.
    static let dateWords: Set<String> = ["CURRENT_DATE"]
    /// Words and functions that read the time or make random values.
    static let volatileWords: Set<String> = [
        "CURRENT_TIMESTAMP", "CURRENT_TIME", "LOCALTIME", "LOCALTIMESTAMP", "SYSDATE", "SYSTIMESTAMP", "NOW",
        "GETDATE", "CURRENT_DATETIME", "TIMEOFDAY", "RANDOM", "RAND", "UUID_STRING", "GENERATE_UUID", "UNIFORM",
        "NORMAL", "RANDSTR", "ZIPF", "SEQ1", "SEQ2", "SEQ4", "SEQ8", "CURRENT_TRANSACTION", "LAST_QUERY_ID",
    ]
    /// Built-in functions (and words that take parentheses) whose result depends on their
    /// arguments only.
    static let deterministic: Set<String> = [
        // SQL words followed by a parenthesis
        "AS", "IN", "EXISTS", "OVER", "FILTER", "WITHIN", "VALUES", "USING", "ON", "AND", "OR", "NOT", "FROM",
        "JOIN", "SELECT", "WHERE", "ANY", "ALL", "SOME", "ROW", "STRUCT", "ARRAY", "INTERVAL", "PARTITION", "BY",
        "LATERAL", "TABLE", "FLATTEN", "UNNEST", "CASE", "WHEN", "THEN", "ELSE", "END", "IS", "LIKE", "ILIKE",
        "BETWEEN", "UNION", "EXCEPT", "INTERSECT", "QUALIFY", "HAVING", "WITH", "LIMIT", "GROUP", "ORDER",
        // types
        "DECIMAL", "NUMERIC", "NUMBER", "VARCHAR", "CHAR", "CHARACTER", "STRING", "TIMESTAMP", "TIMESTAMP_NTZ",
        "TIMESTAMP_TZ", "TIMESTAMP_LTZ", "FLOAT", "FLOAT64", "INT64", "BIGNUMERIC", "TIME", "DATETIME", "BYTES",
        "BINARY", "VARBINARY",
        // aggregates and windows
        "COUNT", "SUM", "AVG", "MIN", "MAX", "STDDEV", "STDDEV_POP", "STDDEV_SAMP", "VARIANCE", "VAR_POP",
        "VAR_SAMP", "MEDIAN", "MODE", "ANY_VALUE", "ARRAY_AGG", "LISTAGG", "STRING_AGG", "OBJECT_AGG",
        "APPROX_COUNT_DISTINCT", "HLL", "COUNT_IF", "COUNTIF", "BOOL_AND", "BOOL_OR", "BOOLAND_AGG", "BOOLOR_AGG",
        "LOGICAL_AND", "LOGICAL_OR", "PERCENTILE_CONT", "PERCENTILE_DISC", "APPROX_PERCENTILE", "ROW_NUMBER",
        "RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE", "LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE",
        "NTH_VALUE", "RATIO_TO_REPORT", "CONDITIONAL_CHANGE_EVENT", "CONDITIONAL_TRUE_EVENT",
        // conditionals and casts
        "COALESCE", "NULLIF", "IFNULL", "NVL", "NVL2", "IFF", "IF", "GREATEST", "LEAST", "DECODE", "ZEROIFNULL",
        "NULLIFZERO", "CAST", "TRY_CAST", "SAFE_CAST", "TO_VARCHAR", "TO_CHAR", "TO_NUMBER", "TO_NUMERIC",
        "TO_DECIMAL", "TO_DOUBLE", "TO_DATE", "TO_TIMESTAMP", "TO_TIMESTAMP_NTZ", "TO_TIMESTAMP_TZ", "TO_BOOLEAN",
        "TO_VARIANT", "TO_OBJECT", "TO_ARRAY", "TO_JSON", "TO_JSON_STRING", "PARSE_JSON", "TRY_PARSE_JSON",
        "TRY_TO_NUMBER", "TRY_TO_DATE", "TRY_TO_TIMESTAMP", "DATE", "DATE_FROM_UNIX_DATE", "TIMESTAMP_SECONDS",
        "TIMESTAMP_MILLIS", "UNIX_SECONDS", "UNIX_MILLIS",
        // strings
        "LOWER", "UPPER", "TRIM", "LTRIM", "RTRIM", "BTRIM", "SUBSTR", "SUBSTRING", "LENGTH", "LEN", "CHAR_LENGTH",
        "CONCAT", "CONCAT_WS", "REPLACE", "SPLIT_PART", "SPLIT", "REGEXP_REPLACE", "REGEXP_SUBSTR", "REGEXP_LIKE",
        "REGEXP_CONTAINS", "REGEXP_EXTRACT", "REGEXP_COUNT", "REGEXP_INSTR", "LEFT", "RIGHT", "LPAD", "RPAD",
        "INITCAP", "REVERSE", "REPEAT", "MD5", "SHA1", "SHA2", "SHA256", "HASH", "FARM_FINGERPRINT", "STARTS_WITH",
        "STARTSWITH", "ENDS_WITH", "ENDSWITH", "CONTAINS", "POSITION", "STRPOS", "CHARINDEX", "ASCII", "CHR",
        "FORMAT", "TRANSLATE", "SOUNDEX", "COLLATE", "HEX_ENCODE", "BASE64_ENCODE", "TO_HEX", "TO_BASE64",
        // numbers
        "ROUND", "FLOOR", "CEIL", "CEILING", "ABS", "MOD", "POWER", "POW", "SQRT", "LN", "LOG", "LOG10", "EXP",
        "SIGN", "TRUNC", "TRUNCATE", "DIV", "DIV0", "DIV0NULL", "SAFE_DIVIDE", "IEEE_DIVIDE", "WIDTH_BUCKET",
        // dates of their arguments
        "DATE_TRUNC", "DATEADD", "DATE_ADD", "DATE_SUB", "DATEDIFF", "DATE_DIFF", "DATE_PART", "DATEPART",
        "EXTRACT", "YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "DAYOFWEEK", "DAYOFYEAR", "HOUR", "MINUTE", "SECOND",
        "TIMESTAMP_TRUNC", "TIMESTAMP_DIFF", "TIMESTAMP_ADD", "TIMESTAMP_SUB", "TIMESTAMPADD", "TIMESTAMPDIFF",
        "DATETIME_TRUNC", "LAST_DAY", "ADD_MONTHS", "MONTHS_BETWEEN", "CONVERT_TIMEZONE", "TIME_SLICE",
        "DATE_FROM_PARTS", "FORMAT_DATE", "FORMAT_TIMESTAMP", "PARSE_DATE", "PARSE_TIMESTAMP",
        // semi-structured
        "GET", "GET_PATH", "OBJECT_CONSTRUCT", "OBJECT_CONSTRUCT_KEEP_NULL", "ARRAY_CONSTRUCT", "ARRAY_SIZE",
        "ARRAY_LENGTH", "ARRAY_CONTAINS", "ARRAY_TO_STRING", "ARRAY_CONCAT", "JSON_EXTRACT", "JSON_EXTRACT_SCALAR",
        "JSON_EXTRACT_PATH_TEXT", "JSON_VALUE", "JSON_QUERY", "JSON_PARSE", "IS_NULL_VALUE", "TYPEOF",
    ]

    /// The time dependence of `sql`: `.volatile` if it names a time or random word, calls a
    /// qualified (user-defined) function or a function not in `deterministic`; `.date` if it
    /// names `CURRENT_DATE` and nothing volatile; else `.none`.
    public static func scan(_ sql: String) -> SourceProbe.TimeDependence {
        let tokens = SQLLexer.tokens(sql)
        var time = SourceProbe.TimeDependence.none
        for (index, token) in tokens.enumerated() where token.isWord {
            let word = token.text.uppercased()
            if volatileWords.contains(word) { return .volatile }
            if dateWords.contains(word) { time = .date }
            let called = index + 1 < tokens.count && !tokens[index + 1].isWord && tokens[index + 1].text == "("
            guard called, !dateWords.contains(word) else { continue }
            let qualified = index > 0 && !tokens[index - 1].isWord && tokens[index - 1].text == "."
            if qualified || !deterministic.contains(word) { return .volatile }
        }
        return time
    }
}

import SyncCore

/// The store's tables. Their SQL names differ by engine: `ws_runs` in SQLite,
/// `warehouse_sync.runs` in PostgreSQL; `profiles` and `profile_traits` are documented names.
package enum StoreTable: String, Sendable, CaseIterable {
    case meta, profiles, snapshots, models, runs, leases, heartbeats, changes, outbox, deliveries
    /// The change log's tables behind the `changes` view: one row a changed trait, one row an
    /// added profile with all its traits, and one row a removed profile with the values it had.
    case changeRows = "change_rows"
    case changeAdded = "change_added"
    case changeRemoved = "change_removed"
    case invalidRows = "invalid_rows"
}

/// How one engine spells what the store's SQL needs and the two engines write differently.
/// Parameters are numbered from 1 and may repeat.
package enum StoreDialect: Sendable {
    case sqlite
    case postgres

    /// A table's qualified name.
    package func table(_ table: StoreTable) -> String {
        switch (self, table) {
        case (.sqlite, .profiles): "profiles"
        case (.sqlite, _): "ws_\(table.rawValue)"
        case (.postgres, _): "warehouse_sync.\(table.rawValue)"
        }
    }

    /// Parameter `n`.
    package func param(_ n: Int) -> String { self == .sqlite ? "?\(n)" : "$\(n)" }

    /// Parameter `n` as text, where its type cannot be inferred (`IS NULL`).
    package func textParam(_ n: Int) -> String { self == .sqlite ? "?\(n)" : "$\(n)::text" }

    /// Parameter `n`, seconds since 1970 (`StoreValue.real`), as the engine's instant.
    package func instantParam(_ n: Int) -> String { self == .sqlite ? "?\(n)" : "to_timestamp($\(n)::float8)" }

    /// Parameter `n`, JSON text, as the engine's JSON column type.
    package func jsonParam(_ n: Int) -> String { self == .sqlite ? "?\(n)" : "$\(n)::jsonb" }

    /// Parameter `n`, bytes (`StoreValue.blob`).
    package func blobParam(_ n: Int) -> String { self == .sqlite ? "?\(n)" : "$\(n)::bytea" }

    /// A profile's trait `nameParam` (a text parameter) read as JSON text, nil when absent.
    package func traitValue(_ column: String, name nameParam: Int) -> String {
        self == .sqlite
            ? "\(column) -> ('$.\"' || ?\(nameParam) || '\"')" : "(\(column) -> $\(nameParam)::text)::text"
    }

    /// Sets trait `nameParam` of a profile to the JSON text `valueParam` and its provenance to the run
    /// `seqParam`, creating the profile if needed; `atParam` is the ISO 8601 update time.
    package func setTraitStatement(key: Int, name: Int, value: Int, seq: Int, at: Int) -> String {
        switch self {
        case .sqlite:
            let path = "'$.\"' || ?\(name) || '\"'"
            return """
                INSERT INTO profiles (key, traits, provenance, updated_at)
                VALUES (?\(key), json_object(?\(name), json(?\(value))), json_object(?\(name), ?\(seq)), ?\(at))
                ON CONFLICT (key) DO UPDATE SET traits = json_set(traits, \(path), json(?\(value))),
                    provenance = json_set(provenance, \(path), ?\(seq)), updated_at = excluded.updated_at
                """
        case .postgres:
            return """
                INSERT INTO warehouse_sync.profiles AS p (key, traits, provenance, updated_at)
                VALUES ($\(key), jsonb_build_object($\(name)::text, $\(value)::jsonb),
                    jsonb_build_object($\(name)::text, $\(seq)::bigint), $\(at)::timestamptz)
                ON CONFLICT (key) DO UPDATE SET traits = p.traits || excluded.traits,
                    provenance = p.provenance || excluded.provenance, updated_at = excluded.updated_at
                """
        }
    }

    /// Removes trait `nameParam` and its provenance from profile `keyParam`.
    package func unsetTraitStatement(key: Int, name: Int, at: Int) -> String {
        switch self {
        case .sqlite:
            let path = "'$.\"' || ?\(name) || '\"'"
            return "UPDATE profiles SET traits = json_remove(traits, \(path)), provenance = json_remove(provenance, "
                + "\(path)), updated_at = ?\(at) WHERE key = ?\(key)"
        case .postgres:
            return "UPDATE warehouse_sync.profiles SET traits = traits - $\(name)::text, provenance = provenance - "
                + "$\(name)::text, updated_at = $\(at)::timestamptz WHERE key = $\(key)"
        }
    }

    /// An instant column read as seconds since 1970.
    package func epoch(_ column: String) -> String {
        self == .sqlite ? column : "extract(epoch FROM \(column))::float8"
    }

    /// An instant column read as ISO 8601 text in UTC (`2026-03-01T12:00:00Z`); SQLite keeps this text.
    package func isoText(_ column: String) -> String {
        self == .sqlite ? column : "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }

    /// An instant column (seconds since 1970 in SQLite, `timestamptz` in PostgreSQL) read as ISO 8601
    /// text in UTC, as `isoText` reads one.
    package func instantText(_ column: String) -> String {
        self == .sqlite ? "strftime('%Y-%m-%dT%H:%M:%SZ', \(column), 'unixepoch')" : isoText(column)
    }

    /// The traits of an added or removed profile's change-log row (`alias.traits`, a JSON object's text) as
    /// rows `e`: the join to add to `FROM`, and each trait's value as the canonical JSON text it was
    /// written as (SQLite keeps each as a JSON string, PostgreSQL's `json` keeps the text).
    package func eachLoggedTrait(_ alias: String) -> (join: String, value: String) {
        self == .sqlite
            ? ("json_each(\(alias).traits) e", "e.value")
            : ("json_each(\(alias).traits::json) e", "e.value::text")
    }

    /// A text column ordered by its bytes, as the store's keys are (PostgreSQL columns may have
    /// another collation).
    package func byteOrder(_ column: String) -> String { self == .sqlite ? column : "\(column) COLLATE \"C\"" }

    /// A JSON column read as its text.
    package func jsonText(_ column: String) -> String { self == .sqlite ? column : "\(column)::text" }

    /// The (key, value as text) pairs of a JSON object column, as a table source.
    package func jsonEntries(_ column: String) -> String {
        self == .sqlite ? "json_each(\(column))" : "jsonb_each_text(\(column))"
    }

    /// The column type of a run field.
    package func columnType(_ kind: RunField.Kind) -> String {
        switch (self, kind) {
        case (.sqlite, .text), (.sqlite, .measures): "TEXT"
        case (.sqlite, .integer): "INTEGER NOT NULL DEFAULT 0"
        case (.sqlite, .instant): "REAL"
        case (.postgres, .text): "text"
        case (.postgres, .integer): "bigint NOT NULL DEFAULT 0"
        case (.postgres, .instant): "timestamptz"
        case (.postgres, .measures): "jsonb"
        }
    }
}

import Drivers
import SyncCore

/// The SQLite store's schema, one step per version. Applied in order inside one transaction;
/// `ws_meta.schema_version` says which have run.
enum SQLiteMigrations {
    static let steps: [String] = [
        // 1: profiles (documented), snapshots, models, runs, leases, heartbeats.
        """
        CREATE TABLE profiles (
            key        TEXT PRIMARY KEY,
            traits     TEXT NOT NULL DEFAULT '{}',
            provenance TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL
        );
        CREATE TABLE ws_snapshots (
            model  TEXT NOT NULL,
            key    TEXT NOT NULL,
            hash   INTEGER NOT NULL,
            traits BLOB NOT NULL,
            PRIMARY KEY (model, key)
        ) WITHOUT ROWID;
        CREATE TABLE ws_models (
            model           TEXT PRIMARY KEY,
            trait_names     TEXT NOT NULL,
            snapshot_rows   INTEGER NOT NULL DEFAULT 0,
            last_run_id     TEXT,
            last_success_at REAL,
            last_fire_at    REAL
        );
        CREATE TABLE ws_runs (
            seq            INTEGER PRIMARY KEY,
            id             TEXT NOT NULL UNIQUE,
            model          TEXT NOT NULL,
            source         TEXT NOT NULL,
            trigger        TEXT NOT NULL,
            status         TEXT NOT NULL,
            started_at     REAL NOT NULL,
            finished_at    REAL,
            rows_read      INTEGER NOT NULL DEFAULT 0,
            invalid        INTEGER NOT NULL DEFAULT 0,
            added          INTEGER NOT NULL DEFAULT 0,
            changed        INTEGER NOT NULL DEFAULT 0,
            removed        INTEGER NOT NULL DEFAULT 0,
            unchanged      INTEGER NOT NULL DEFAULT 0,
            traits_written INTEGER NOT NULL DEFAULT 0,
            query_ms       INTEGER NOT NULL DEFAULT 0,
            fetch_ms       INTEGER NOT NULL DEFAULT 0,
            bytes_received INTEGER NOT NULL DEFAULT 0,
            cost           TEXT,
            error          TEXT
        );
        CREATE INDEX ws_runs_by_model ON ws_runs (model, started_at);
        CREATE TABLE ws_leases (
            model      TEXT PRIMARY KEY,
            holder     TEXT NOT NULL,
            expires_at REAL NOT NULL
        );
        CREATE TABLE ws_heartbeats (
            holder  TEXT PRIMARY KEY,
            beat_at REAL NOT NULL
        );
        """,
        // 2: one row a trait, with the model, run and time that set it, for plain-SQL readers.
        """
        CREATE VIEW profile_traits AS
        SELECT p.key AS key, e.key AS trait, p.traits -> e.key AS value, r.model AS model, r.id AS run,
               strftime('%Y-%m-%dT%H:%M:%SZ', r.finished_at, 'unixepoch') AS set_at
        FROM profiles p, json_each(p.provenance) e JOIN ws_runs r ON r.seq = e.value;
        """,
        // 3: the change log, one row per (run, key, trait), for plain-SQL readers and `revert`.
        """
        CREATE TABLE ws_changes (
            run_seq INTEGER NOT NULL,
            run     TEXT NOT NULL,
            model   TEXT NOT NULL,
            key     TEXT NOT NULL,
            trait   TEXT NOT NULL,
            old     TEXT,
            new     TEXT,
            at      TEXT NOT NULL,
            PRIMARY KEY (run_seq, key, trait)
        ) WITHOUT ROWID;
        """,
        // 4: the outbox (changes queued for destinations) and each destination's delivery state.
        """
        CREATE TABLE ws_outbox (
            destination     TEXT NOT NULL,
            run_seq         INTEGER NOT NULL,
            key             TEXT NOT NULL,
            run             TEXT NOT NULL,
            model           TEXT NOT NULL,
            set_traits      TEXT NOT NULL,
            unset_traits    TEXT NOT NULL,
            enqueued_at     REAL NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            dead            INTEGER NOT NULL DEFAULT 0,
            response_status INTEGER,
            response        TEXT,
            PRIMARY KEY (destination, key, run_seq)
        ) WITHOUT ROWID;
        CREATE TABLE ws_deliveries (
            destination     TEXT PRIMARY KEY,
            delivered       INTEGER NOT NULL DEFAULT 0,
            failures        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL,
            last_error      TEXT
        );
        """,
        // 5: each snapshot's result schema (docs/drift-and-plans.md) and the run whose commit made the snapshot.
        """
        ALTER TABLE ws_models ADD COLUMN result_schema TEXT;
        ALTER TABLE ws_models ADD COLUMN snapshot_run TEXT;
        UPDATE ws_models SET snapshot_run = (
            SELECT id FROM ws_runs r WHERE r.model = ws_models.model AND r.status = 'succeeded'
            ORDER BY seq DESC LIMIT 1);
        """,
        // 6: what the snapshot's run read (skip rule, docs/cost.md): the model file and its sources' counters.
        """
        ALTER TABLE ws_models ADD COLUMN source_state TEXT;
        """,
        // 7: an added profile's change-log rows as one row of its traits (a first sync of a million
        // profiles writes a million rows, not one per trait), each value a JSON string holding its
        // canonical text (json_each returns a string's content exactly); ws_changes is the view of both.
        // legacy_alter_table: the rename neither checks nor rewrites the readers' views, so a view that
        // was already broken does not stop it, and one on ws_changes reads the view of the same columns.
        """
        PRAGMA legacy_alter_table = ON;
        ALTER TABLE ws_changes RENAME TO ws_change_rows;
        CREATE TABLE ws_change_added (
            run_seq INTEGER NOT NULL,
            run     TEXT NOT NULL,
            model   TEXT NOT NULL,
            key     TEXT NOT NULL,
            traits  TEXT NOT NULL,
            at      TEXT NOT NULL,
            PRIMARY KEY (run_seq, key)
        ) WITHOUT ROWID;
        CREATE VIEW ws_changes AS
        SELECT run_seq, run, model, key, trait, old, new, at FROM ws_change_rows
        UNION ALL
        SELECT a.run_seq, a.run, a.model, a.key, e.key AS trait, NULL AS old, e.value AS new, a.at
        FROM ws_change_added a, json_each(a.traits) e;
        PRAGMA legacy_alter_table = OFF;
        """,
        // 8: which scratch table holds the keys and hashes of a `-- diff: warehouse` model's snapshot
        // (docs/warehouse-diff.md), and the store's own id, which names its scratch tables apart from other stores'.
        """
        ALTER TABLE ws_models ADD COLUMN scratch_state TEXT;
        INSERT INTO ws_meta (key, value) VALUES ('store_id', lower(hex(randomblob(8)))) ON CONFLICT (key) DO NOTHING;
        """,
        // 9: a committed run's invalid rows, up to 10,000 a run (its `invalid` field counts them all).
        """
        CREATE TABLE ws_invalid_rows (
            run_seq     INTEGER NOT NULL,
            ordinal     INTEGER NOT NULL,
            key         TEXT,
            column_name TEXT,
            reason      TEXT NOT NULL,
            PRIMARY KEY (run_seq, ordinal)
        ) WITHOUT ROWID;
        """,
        // 10: a removed profile's change-log rows as one row of the values it had (a key that leaves the
        // model unsets every trait: one row, not one per trait), shaped like ws_change_added.
        """
        CREATE TABLE ws_change_removed (
            run_seq INTEGER NOT NULL,
            run     TEXT NOT NULL,
            model   TEXT NOT NULL,
            key     TEXT NOT NULL,
            traits  TEXT NOT NULL,
            at      TEXT NOT NULL,
            PRIMARY KEY (run_seq, key)
        ) WITHOUT ROWID;
        DROP VIEW ws_changes;
        CREATE VIEW ws_changes AS
        SELECT run_seq, run, model, key, trait, old, new, at FROM ws_change_rows
        UNION ALL
        SELECT a.run_seq, a.run, a.model, a.key, e.key AS trait, NULL AS old, e.value AS new, a.at
        FROM ws_change_added a, json_each(a.traits) e
        UNION ALL
        SELECT r.run_seq, r.run, r.model, r.key, e.key AS trait, e.value AS old, NULL AS new, r.at
        FROM ws_change_removed r, json_each(r.traits) e;
        """,
        // 11: the change log's rows keep the run's seq alone: its id, model and time are the run's row's,
        // which the view joins, so a first sync writes a shorter row a profile. Each table is copied once.
        // The old tables are renamed first and ws_changes is replaced only after the last rename: a rename
        // checks every view in the file, and a view of the reader's own on ws_changes must not fail it.
        // legacy_alter_table: a rename leaves the views that name a table alone, so a reader's view on
        // ws_change_rows reads the new table, not the old one this step drops.
        """
        PRAGMA legacy_alter_table = ON;
        ALTER TABLE ws_change_rows RENAME TO ws_change_rows_old;
        CREATE TABLE ws_change_rows (
            run_seq INTEGER NOT NULL,
            key     TEXT NOT NULL,
            trait   TEXT NOT NULL,
            old     TEXT,
            new     TEXT,
            PRIMARY KEY (run_seq, key, trait)
        ) WITHOUT ROWID;
        INSERT INTO ws_change_rows SELECT run_seq, key, trait, old, new FROM ws_change_rows_old;
        ALTER TABLE ws_change_added RENAME TO ws_change_added_old;
        CREATE TABLE ws_change_added (
            run_seq INTEGER NOT NULL,
            key     TEXT NOT NULL,
            traits  TEXT NOT NULL,
            PRIMARY KEY (run_seq, key)
        ) WITHOUT ROWID;
        INSERT INTO ws_change_added SELECT run_seq, key, traits FROM ws_change_added_old;
        ALTER TABLE ws_change_removed RENAME TO ws_change_removed_old;
        CREATE TABLE ws_change_removed (
            run_seq INTEGER NOT NULL,
            key     TEXT NOT NULL,
            traits  TEXT NOT NULL,
            PRIMARY KEY (run_seq, key)
        ) WITHOUT ROWID;
        INSERT INTO ws_change_removed SELECT run_seq, key, traits FROM ws_change_removed_old;
        DROP VIEW ws_changes;
        CREATE VIEW ws_changes AS
        SELECT c.run_seq, r.id AS run, r.model AS model, c.key, c.trait, c.old, c.new,
               strftime('%Y-%m-%dT%H:%M:%SZ', r.finished_at, 'unixepoch') AS at
        FROM ws_change_rows c LEFT JOIN ws_runs r ON r.seq = c.run_seq
        UNION ALL
        SELECT a.run_seq, r.id, r.model, a.key, e.key AS trait, NULL AS old, e.value AS new,
               strftime('%Y-%m-%dT%H:%M:%SZ', r.finished_at, 'unixepoch')
        FROM ws_change_added a JOIN json_each(a.traits) e LEFT JOIN ws_runs r ON r.seq = a.run_seq
        UNION ALL
        SELECT a.run_seq, r.id, r.model, a.key, e.key AS trait, e.value AS old, NULL AS new,
               strftime('%Y-%m-%dT%H:%M:%SZ', r.finished_at, 'unixepoch')
        FROM ws_change_removed a JOIN json_each(a.traits) e LEFT JOIN ws_runs r ON r.seq = a.run_seq;
        DROP TABLE ws_change_rows_old;
        DROP TABLE ws_change_added_old;
        DROP TABLE ws_change_removed_old;
        PRAGMA legacy_alter_table = OFF;
        """,
        // 12: ws_changes joins each log row to its run before it expands an added or removed profile's
        // traits into rows, so a reader's filter on the run (`at`, `run`, `model`) is applied a profile at
        // a time, not a trait at a time. A row whose run were missing would still show (LEFT JOIN).
        """
        DROP VIEW ws_changes;
        CREATE VIEW ws_changes AS
        SELECT c.run_seq, r.id AS run, r.model AS model, c.key, c.trait, c.old, c.new,
               strftime('%Y-%m-%dT%H:%M:%SZ', r.finished_at, 'unixepoch') AS at
        FROM ws_change_rows c LEFT JOIN ws_runs r ON r.seq = c.run_seq
        UNION ALL
        SELECT a.run_seq, r.id, r.model, a.key, e.key AS trait, NULL AS old, e.value AS new,
               strftime('%Y-%m-%dT%H:%M:%SZ', r.finished_at, 'unixepoch')
        FROM ws_change_added a LEFT JOIN ws_runs r ON r.seq = a.run_seq JOIN json_each(a.traits) e
        UNION ALL
        SELECT a.run_seq, r.id, r.model, a.key, e.key AS trait, e.value AS old, NULL AS new,
               strftime('%Y-%m-%dT%H:%M:%SZ', r.finished_at, 'unixepoch')
        FROM ws_change_removed a LEFT JOIN ws_runs r ON r.seq = a.run_seq JOIN json_each(a.traits) e;
        """,
    ]
}

import Drivers
import SyncCore

/// The PostgreSQL store's schema (in schema `warehouse_sync`), one step per version, applied
/// under an advisory lock so two processes starting together migrate once.
enum PostgresMigrations {
    static let steps: [String] = [
        """
        CREATE TABLE warehouse_sync.profiles (
            key        text COLLATE "C" PRIMARY KEY,
            traits     jsonb NOT NULL DEFAULT '{}',
            provenance jsonb NOT NULL DEFAULT '{}',
            updated_at timestamptz NOT NULL
        );
        CREATE TABLE warehouse_sync.snapshots (
            model  text NOT NULL,
            key    text COLLATE "C" NOT NULL,
            hash   bigint NOT NULL,
            traits bytea NOT NULL,
            PRIMARY KEY (model, key)
        );
        CREATE TABLE warehouse_sync.models (
            model           text PRIMARY KEY,
            trait_names     jsonb NOT NULL,
            snapshot_rows   bigint NOT NULL DEFAULT 0,
            last_run_id     text,
            last_success_at timestamptz,
            last_fire_at    timestamptz
        );
        CREATE TABLE warehouse_sync.runs (
            id             text PRIMARY KEY,
            seq            bigserial UNIQUE,
            model          text NOT NULL,
            source         text NOT NULL,
            trigger        text NOT NULL,
            status         text NOT NULL,
            started_at     timestamptz NOT NULL,
            finished_at    timestamptz,
            rows_read      bigint NOT NULL DEFAULT 0,
            invalid        bigint NOT NULL DEFAULT 0,
            added          bigint NOT NULL DEFAULT 0,
            changed        bigint NOT NULL DEFAULT 0,
            removed        bigint NOT NULL DEFAULT 0,
            unchanged      bigint NOT NULL DEFAULT 0,
            traits_written bigint NOT NULL DEFAULT 0,
            query_ms       bigint NOT NULL DEFAULT 0,
            fetch_ms       bigint NOT NULL DEFAULT 0,
            bytes_received bigint NOT NULL DEFAULT 0,
            cost           jsonb,
            error          text
        );
        CREATE INDEX runs_by_model ON warehouse_sync.runs (model, started_at);
        CREATE TABLE warehouse_sync.leases (
            model      text PRIMARY KEY,
            holder     text NOT NULL,
            expires_at timestamptz NOT NULL
        );
        CREATE TABLE warehouse_sync.heartbeats (
            holder  text PRIMARY KEY,
            beat_at timestamptz NOT NULL
        );
        """,
        // 2: one row a trait, with the model, run and time that set it, for plain-SQL readers.
        """
        CREATE VIEW warehouse_sync.profile_traits AS
        SELECT p.key, e.key AS trait, p.traits -> e.key AS value, r.model, r.id AS run, r.finished_at AS set_at
        FROM warehouse_sync.profiles p CROSS JOIN jsonb_each_text(p.provenance) e
        JOIN warehouse_sync.runs r ON r.seq = e.value::bigint;
        """,
        // 3: the change log, one row per (run, key, trait), for plain-SQL readers and `revert`.
        """
        CREATE TABLE warehouse_sync.changes (
            run_seq bigint NOT NULL,
            run     text NOT NULL,
            model   text NOT NULL,
            key     text COLLATE "C" NOT NULL,
            trait   text NOT NULL,
            old     text,
            new     text,
            at      timestamptz NOT NULL,
            PRIMARY KEY (run_seq, key, trait)
        );
        """,
        // 4: the outbox (changes queued for destinations) and each destination's delivery state.
        """
        CREATE TABLE warehouse_sync.outbox (
            destination     text NOT NULL,
            run_seq         bigint NOT NULL,
            key             text COLLATE "C" NOT NULL,
            run             text NOT NULL,
            model           text NOT NULL,
            set_traits      text NOT NULL,
            unset_traits    text NOT NULL,
            enqueued_at     timestamptz NOT NULL,
            attempts        bigint NOT NULL DEFAULT 0,
            dead            bigint NOT NULL DEFAULT 0,
            response_status bigint,
            response        text,
            PRIMARY KEY (destination, key, run_seq)
        );
        CREATE TABLE warehouse_sync.deliveries (
            destination     text PRIMARY KEY,
            delivered       bigint NOT NULL DEFAULT 0,
            failures        bigint NOT NULL DEFAULT 0,
            next_attempt_at timestamptz,
            last_error      text
        );
        """,
        // 5: each snapshot's result schema (docs/drift-and-plans.md) and the run whose commit made the snapshot.
        """
        ALTER TABLE warehouse_sync.models ADD COLUMN result_schema jsonb, ADD COLUMN snapshot_run text;
        UPDATE warehouse_sync.models m SET snapshot_run = (
            SELECT id FROM warehouse_sync.runs r WHERE r.model = m.model AND r.status = 'succeeded'
            ORDER BY seq DESC LIMIT 1);
        """,
        // 6: what the snapshot's run read (skip rule, docs/cost.md): the model file and its sources' counters.
        """
        ALTER TABLE warehouse_sync.models ADD COLUMN source_state jsonb;
        """,
        // 7: an added profile's change-log rows as one row of its traits (its text kept as written:
        // json, not jsonb, so each value is the canonical text); changes is the view of both.
        """
        ALTER TABLE warehouse_sync.changes RENAME TO change_rows;
        ALTER TABLE warehouse_sync.change_rows RENAME CONSTRAINT changes_pkey TO change_rows_pkey;
        CREATE TABLE warehouse_sync.change_added (
            run_seq bigint NOT NULL,
            run     text NOT NULL,
            model   text NOT NULL,
            key     text COLLATE "C" NOT NULL,
            traits  text NOT NULL,
            at      timestamptz NOT NULL,
            PRIMARY KEY (run_seq, key)
        );
        CREATE VIEW warehouse_sync.changes AS
        SELECT run_seq, run, model, key, trait, old, new, at FROM warehouse_sync.change_rows
        UNION ALL
        SELECT a.run_seq, a.run, a.model, a.key, e.key, NULL::text, e.value::text, a.at
        FROM warehouse_sync.change_added a CROSS JOIN json_each(a.traits::json) e;
        """,
        // 8: which scratch table holds the keys and hashes of a `-- diff: warehouse` model's snapshot
        // (docs/warehouse-diff.md), and the store's own id, which names its scratch tables apart from other stores'.
        """
        ALTER TABLE warehouse_sync.models ADD COLUMN scratch_state jsonb;
        INSERT INTO warehouse_sync.meta (key, value)
        VALUES ('store_id', substr(md5(random()::text || clock_timestamp()::text), 1, 16)) ON CONFLICT (key) DO NOTHING;
        """,
        // 9: a committed run's invalid rows, up to 10,000 a run (its `invalid` field counts them all).
        """
        CREATE TABLE warehouse_sync.invalid_rows (
            run_seq     bigint NOT NULL,
            ordinal     integer NOT NULL,
            key         text,
            column_name text,
            reason      text NOT NULL,
            PRIMARY KEY (run_seq, ordinal)
        );
        """,
        // 10: a removed profile's change-log rows as one row of the values it had (a key that leaves the
        // model unsets every trait: one row, not one per trait), shaped like change_added.
        """
        CREATE TABLE warehouse_sync.change_removed (
            run_seq bigint NOT NULL,
            run     text NOT NULL,
            model   text NOT NULL,
            key     text COLLATE "C" NOT NULL,
            traits  text NOT NULL,
            at      timestamptz NOT NULL,
            PRIMARY KEY (run_seq, key)
        );
        CREATE OR REPLACE VIEW warehouse_sync.changes AS
        SELECT run_seq, run, model, key, trait, old, new, at FROM warehouse_sync.change_rows
        UNION ALL
        SELECT a.run_seq, a.run, a.model, a.key, e.key, NULL::text, e.value::text, a.at
        FROM warehouse_sync.change_added a CROSS JOIN json_each(a.traits::json) e
        UNION ALL
        SELECT r.run_seq, r.run, r.model, r.key, e.key, e.value::text, NULL::text, r.at
        FROM warehouse_sync.change_removed r CROSS JOIN json_each(r.traits::json) e;
        """,
        // 11: a tenth of each page of profiles and snapshots left free, so a rerun's update of a row
        // stays on its page (a HOT update: no new index entry, one page written, not three). Pages
        // written from now on keep it; https://www.postgresql.org/docs/current/storage-hot.html
        """
        ALTER TABLE warehouse_sync.profiles SET (fillfactor = 90);
        ALTER TABLE warehouse_sync.snapshots SET (fillfactor = 90);
        """,
        // 12: the change log's rows keep the run's seq alone: its id, model and time are the run's row's,
        // which the view joins, so a first sync writes a shorter row a profile. Dropping a column only
        // marks it dropped: rows written before keep their bytes until pruned. The view is replaced, not
        // dropped, before the columns go: its grants, and readers' views on it, stay.
        """
        CREATE OR REPLACE VIEW warehouse_sync.changes AS
        SELECT c.run_seq, r.id AS run, r.model, c.key, c.trait, c.old, c.new, r.finished_at AS at
        FROM warehouse_sync.change_rows c LEFT JOIN warehouse_sync.runs r ON r.seq = c.run_seq
        UNION ALL
        SELECT a.run_seq, r.id, r.model, a.key, e.key, NULL::text, e.value::text, r.finished_at
        FROM warehouse_sync.change_added a CROSS JOIN json_each(a.traits::json) e
        LEFT JOIN warehouse_sync.runs r ON r.seq = a.run_seq
        UNION ALL
        SELECT a.run_seq, r.id, r.model, a.key, e.key, e.value::text, NULL::text, r.finished_at
        FROM warehouse_sync.change_removed a CROSS JOIN json_each(a.traits::json) e
        LEFT JOIN warehouse_sync.runs r ON r.seq = a.run_seq;
        ALTER TABLE warehouse_sync.change_rows DROP COLUMN run, DROP COLUMN model, DROP COLUMN at;
        ALTER TABLE warehouse_sync.change_added DROP COLUMN run, DROP COLUMN model, DROP COLUMN at;
        ALTER TABLE warehouse_sync.change_removed DROP COLUMN run, DROP COLUMN model, DROP COLUMN at;
        """,
    ]
}

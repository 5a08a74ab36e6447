"""Benchmark peers: drt and dlt doing WarehouseSync's job on the same table, measured the same way.

bench.py calls run() unless --no-peers. The tools come from PyPI into a virtualenv of the
benchmark's own (bench/.venv-peers, gitignored; made once and reused while PINS are unchanged; the
product itself stays dependency-free). Each tool's configuration is written into the run's temporary
directory, and every scenario runs the tool as a child process through bench.py's measure(), so wall
time, client CPU and peak RSS are comparable with WarehouseSync's rows.

The scenarios are WarehouseSync's: a first sync into an empty destination, an unchanged rerun, a
rerun after CHANGE_1PCT and one after REMOVE_1PCT, on the same customer_features table; each state
of the table is seen by every tool in turn (as sql_only() does). After every run the tool's result
is checked against the table: its row count and an md5 over every row in key order, the row text
computed the same way by PostgreSQL and by DuckDB (ROW_TEXT). A wrong result is kept, with how it
is wrong: rows missing, rows the source no longer has, rows with old values.
"""
import json, shutil, subprocess, sys, time
from pathlib import Path

VENV = Path(__file__).resolve().parent / ".venv-peers"
DRT_VERSION, DLT_VERSION = "1.2.1", "1.31.0"
# The two tools and what decides their speed (drivers, DuckDB, Arrow) at exact versions.
PINS = [f"drt-core[postgres]=={DRT_VERSION}", f"dlt[duckdb,sql-database,parquet]=={DLT_VERSION}",
        "duckdb==2.0.1", "pyarrow==26.0.1", "pandas==3.1.1", "numpy==2.4.6", "SQLAlchemy==2.1.9",
        "psycopg2-binary==2.9.13"]
DEST_DB = "bench_peers"
# One text per row, identical in PostgreSQL and DuckDB (the double through a fixed-scale decimal:
# the two print a bare double differently, 0 against 0.0).
ROW_TEXT = ("concat_ws('|', customer_id, coalesce(orders_count::text, 'NULL'), coalesce(lifetime_value::text, 'NULL'), "
            "coalesce(segment, 'NULL'), coalesce(last_order::text, 'NULL'), coalesce(is_active::text, 'NULL'), "
            "coalesce(churn_score::numeric(20,9)::text, 'NULL'))")
CHECKSUM = f"SELECT count(*), md5(coalesce(string_agg({ROW_TEXT}, ';' ORDER BY customer_id), '')) FROM {{table}}"
KEY_HASHES = f"SELECT customer_id, md5({ROW_TEXT}) FROM {{table}}"
SCENARIOS = ["first sync", "unchanged rerun", "rerun, 1% changed", "rerun, 1% removed"]

# Run by the virtualenv's Python: argv is the SQLAlchemy URL, the DuckDB file, and "merge" (dlt's
# plain merge: the destination's default strategy, delete-insert on DuckDB) or "scd2".
# The pyarrow backend is dlt's fast path (the default sqlalchemy backend took 47 s and 4.3 GB for
# 200,000 rows here); scd2 on Arrow needs a row hash, made by dlt's own helper, as its docs say.
DLT_PIPELINE = '''import sys, dlt
from dlt.sources.sql_database import sql_database
from dlt.sources.helpers.transform import add_row_hash_to_table
url, duckdb_file, strategy = sys.argv[1:4]
source = sql_database(credentials=url, table_names=["customer_features"], backend="pyarrow")
disposition = "merge"
if strategy == "scd2":
    source.customer_features.add_map(add_row_hash_to_table("row_hash"))
    disposition = {"disposition": "merge", "strategy": "scd2", "row_version_column_name": "row_hash",
                   "active_record_timestamp": None}
source.customer_features.apply_hints(primary_key="customer_id", write_disposition=disposition)
pipeline = dlt.pipeline(pipeline_name="bench_" + strategy, pipelines_dir="pipelines",
                        destination=dlt.destinations.duckdb(duckdb_file), dataset_name="peers")
print(pipeline.run(source))
'''
DUCKDB_QUERY = '''import duckdb, sys
for row in duckdb.connect(sys.argv[1], read_only=True).sql(sys.argv[2]).fetchall():
    print("\\t".join(map(str, row)))
'''


def ensure_venv():
    """Makes the virtualenv unless one with the same pins is there."""
    python, stamp, wanted = VENV / "bin" / "python", VENV / "pins.txt", "\n".join(PINS) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", *PINS], check=True)
    stamp.write_text(wanted)


def rows_of(argv):
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}")
    return [line.split("\t") for line in out.stdout.splitlines()]


def pg_rows(bench, db, sql):
    return rows_of(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-d", bench.conninfo(db), "-c", sql])


class Drt:
    """drt into a table of DEST_DB on the same server; its project, profile and state in workdir."""

    def __init__(self, bench, db, workdir, name, label, sync):
        self.bench, self.db, self.name, self.label = bench, db, name, label
        self.table, self.state_schema = f"drt_{name}", f"_drt_{name}"
        self.project, self.home = Path(workdir) / f"drt-{name}", Path(workdir) / f"drt-{name}-home"
        (self.home / ".drt").mkdir(parents=True, exist_ok=True)
        (self.project / "syncs").mkdir(parents=True, exist_ok=True)
        pg = bench.PG
        # The source profile's managed_schema holds the diff strategy's snapshot of the model.
        (self.home / ".drt" / "profiles.yml").write_text(
            f"bench:\n  type: postgres\n  host: {pg['host']}\n  port: {pg['port']}\n  dbname: {db}\n"
            f"  user: postgres\n  managed_schema: {self.state_schema}\n")
        (self.project / "drt_project.yml").write_text('name: bench\nversion: "0.1"\nprofile: bench\n')
        # batch_size 10,000 rows a commit (the default, 100, commits every 100 rows on a durable server).
        self.config = (
            f"name: {name}\nmodel: SELECT * FROM customer_features\n"
            f"destination:\n  type: postgres\n  host: {pg['host']}\n  port: {pg['port']}\n  dbname: {DEST_DB}\n"
            f"  user: postgres\n  table: public.{self.table}\n  upsert_key: [customer_id]\n"
            f"sync:\n{sync}  batch_size: 10000\n  on_error: fail\n")
        (self.project / "syncs" / f"{name}.yml").write_text(self.config)
        bench.psql(DEST_DB, f"DROP TABLE IF EXISTS {self.table}; CREATE TABLE {self.table} ({bench.TABLE_COLUMNS})")

    def reset(self):
        self.bench.psql(DEST_DB, f"TRUNCATE {self.table}")
        self.bench.psql(self.db, f"DROP SCHEMA IF EXISTS {self.state_schema} CASCADE")
        for directory in (".drt", "target"):
            shutil.rmtree(self.project / directory, ignore_errors=True)

    def argv(self):
        return ["env", "-C", str(self.project), f"HOME={self.home}", "DO_NOT_TRACK=1",
                str(VENV / "bin" / "drt"), "run", "--select", self.name, "--output", "json"]

    def outcome(self, stdout):
        """drt's own account of the run, from --output json."""
        try:
            sync = json.loads(stdout)["syncs"][0]
        except (ValueError, KeyError, IndexError):
            return {}, "no JSON result"
        counts = {k: sync.get(k) for k in ("rows_extracted", "rows_synced", "rows_failed", "rows_skipped")}
        return counts, None if sync.get("status") == "success" else f"status {sync.get('status')}: {sync.get('error', '')}"

    def checksum(self):
        return pg_rows(self.bench, DEST_DB, CHECKSUM.format(table=self.table))[0]

    def key_hashes(self):
        return pg_rows(self.bench, DEST_DB, KEY_HASHES.format(table=self.table))

    def cleanup(self):
        self.bench.psql(self.db, f"DROP SCHEMA IF EXISTS {self.state_schema} CASCADE")


class Dlt:
    """dlt's sql_database source into a DuckDB file in workdir, with its plain merge or scd2."""

    def __init__(self, bench, db, workdir, strategy, label):
        self.bench, self.strategy, self.label = bench, strategy, label
        self.dir = Path(workdir) / f"dlt-{strategy}"
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "pipeline.py").write_text(DLT_PIPELINE)
        pg = bench.PG
        self.url = f"postgresql+psycopg2://postgres@/{db}?host={pg['host']}&port={pg['port']}"
        # Not named after the dataset: DuckDB would see two things called "peers".
        self.duckdb_file = self.dir / "destination.duckdb"
        self.config = ("sql_database, backend pyarrow, primary_key customer_id, "
                       + ('write_disposition "merge" (the default strategy)' if strategy == "merge" else
                          "write_disposition merge, strategy scd2, row_version_column_name from add_row_hash_to_table"))
        # scd2 keeps every version of a row; the current ones have no end of validity.
        self.table = "peers.customer_features" + (" WHERE _dlt_valid_to IS NULL" if strategy == "scd2" else "")

    def reset(self):
        self.duckdb_file.unlink(missing_ok=True)
        shutil.rmtree(self.dir / "pipelines", ignore_errors=True)

    def argv(self):
        return ["env", "-C", str(self.dir), f"HOME={self.dir}", "RUNTIME__DLTHUB_TELEMETRY=false", "DO_NOT_TRACK=1",
                str(VENV / "bin" / "python"), "pipeline.py", self.url, str(self.duckdb_file), self.strategy]

    def outcome(self, stdout):
        return {}, None

    def query(self, sql):
        return rows_of([str(VENV / "bin" / "python"), "-c", DUCKDB_QUERY, str(self.duckdb_file), sql])

    def checksum(self):
        return self.query(CHECKSUM.format(table=self.table))[0]

    def key_hashes(self):
        return self.query(KEY_HASHES.format(table=self.table))

    def cleanup(self):
        pass


def difference(source_rows, dest_rows):
    """Says how a destination differs from the source, from each side's (key, row md5)."""
    source, dest = dict(source_rows), dict(dest_rows)
    parts = []
    if len(dest) != len(dest_rows):
        parts.append(f"{len(dest_rows) - len(dest):,} duplicate keys")
    missing = len(source.keys() - dest.keys())
    extra = len(dest.keys() - source.keys())
    stale = sum(1 for key in source.keys() & dest.keys() if source[key] != dest[key])
    if missing:
        parts.append(f"{missing:,} rows missing")
    if extra:
        parts.append(f"{extra:,} rows the source no longer has")
    if stale:
        parts.append(f"{stale:,} rows with other values")
    return ", ".join(parts) or "checksums differ"


def check(bench, db, tool, failure, source):
    """The check of a tool's result against the table; source holds the table's checksum and,
    once a check needed them, its rows' hashes."""
    result = {"source_rows": int(source["checksum"][0]), "source_md5": source["checksum"][1]}
    try:
        count, md5 = tool.checksum()
    except RuntimeError as error:
        result["reason"] = f"the run failed ({failure})" if failure else f"no result to read: {error}"
        return result
    result.update(rows=int(count), md5=md5)
    if failure:
        result["reason"] = f"the run failed ({failure})"
    elif [count, md5] != source["checksum"]:
        if "keys" not in source:
            source["keys"] = pg_rows(bench, db, KEY_HASHES.format(table="customer_features"))
        result["reason"] = difference(source["keys"], tool.key_hashes())
    return result


def run(bench, db, workdir):
    """Every peer's scenarios; returns {(tool, scenario): measurement with its check} and a summary."""
    started = time.perf_counter()
    ensure_venv()
    bench.psql("postgres", f"DROP DATABASE IF EXISTS {DEST_DB}")
    bench.psql("postgres", f"CREATE DATABASE {DEST_DB}")
    tools = [
        Drt(bench, db, workdir, "diff", f"drt {DRT_VERSION}, diff strategy into PostgreSQL",
            "  mode: mirror\n  incremental_strategy: diff\n  mirror:\n    strategy: diff\n"),
        Drt(bench, db, workdir, "mirror", f"drt {DRT_VERSION}, mirror into PostgreSQL (read-only source)",
            "  mode: mirror\n"),
        Dlt(bench, db, workdir, "merge", f"dlt {DLT_VERSION}, sql_database merge into DuckDB"),
        Dlt(bench, db, workdir, "scd2", f"dlt {DLT_VERSION}, sql_database scd2 into DuckDB"),
    ]
    results = {}
    try:
        for tool in tools:
            tool.reset()
        for scenario in SCENARIOS:
            if scenario == "rerun, 1% changed":
                bench.psql(db, bench.CHANGE_1PCT)
            if scenario == "rerun, 1% removed":
                bench.psql(db, bench.REMOVE_1PCT)
            source = {"checksum": pg_rows(bench, db, CHECKSUM.format(table="customer_features"))[0]}
            for tool in tools:
                log = open(Path(workdir) / "peer-stderr.log", "w+")
                r = bench.measure(tool.argv(), f"{tool.label} {scenario}", stderr=log, allow_failure=True)
                log.seek(0)
                errors = log.read().strip().splitlines()
                log.close()
                counts, failure = tool.outcome(r["stdout"])
                if r.get("exit_code"):
                    said = [line for line in errors if "Error" in line or "Exception" in line] or errors or [""]
                    failure = f"exit status {r['exit_code']}: {said[-1].strip()}"[:300]
                r["check"] = check(bench, db, tool, failure, source)
                r["correct"] = "reason" not in r["check"]
                if counts:
                    r["tool_counts"] = counts
                results[(tool.label, scenario)] = r
                print(f"peers: {tool.label}, {scenario}: {r['wall_s']:.1f} s"
                      + ("" if r["correct"] else f", wrong: {r['check']['reason']}"), file=sys.stderr, flush=True)
    finally:
        for tool in tools:
            tool.cleanup()
    summary = {"pins": PINS, "seconds": time.perf_counter() - started, "configs": {t.label: t.config for t in tools}}
    return dict(sorted(results.items(), key=lambda item: [t.label for t in tools].index(item[0][0]))), summary

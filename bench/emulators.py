"""Rows per second a first sync reads from the Snowflake SQL API and BigQuery REST emulators
(snowduck, bqemulator; scripts/emulators.sh), beside the PostgreSQL read of the same rows: a figure
of WarehouseSync's HTTP clients and the emulators, never of the real services."""
import json
import subprocess
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMULATORS = ROOT / "scripts" / "emulators.sh"
TOKEN = "bench-emulator-token"


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as answer:
        return json.loads(answer.read() or b"{}")


def start(kind):
    subprocess.run([str(EMULATORS), "install", kind], check=True, stdout=subprocess.DEVNULL)
    out = subprocess.run([str(EMULATORS), "start", kind], check=True, capture_output=True, text=True).stdout
    port, pid = out.split()[:2]
    return int(port), pid


def stop(pid):
    subprocess.run([str(EMULATORS), "stop", pid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def project(workdir, name, source):
    directory = Path(workdir) / f"project-{name}"
    (directory / "models").mkdir(parents=True, exist_ok=True)
    (directory / "warehouse-sync.toml").write_text(f'[store]\nurl = "sqlite:state.db"\n\n[sources.wh]\n{source}\n')
    return directory


def snowflake(bench, rows, workdir):
    port, pid = start("snowflake")
    try:
        url = f"http://127.0.0.1:{port}"
        for statement in ["CREATE DATABASE BENCH", "CREATE SCHEMA IF NOT EXISTS BENCH.PUBLIC",
                          "CREATE TABLE BENCH.PUBLIC.FEATURES AS SELECT 'k' || S AS ID, S % 97 AS V, "
                          f"S * 1.5 AS SCORE FROM (SELECT SEQ4() AS S FROM TABLE(GENERATOR(ROWCOUNT => {rows})))"]:
            post(url + "/api/v2/statements", {"statement": statement})
        directory = project(workdir, "snowflake", f'kind = "snowflake"\naccount_url = "{url}"\ntoken = "{TOKEN}"\n'
                            'database = "BENCH"\nschema = "PUBLIC"')
        (directory / "models" / "features.sql").write_text("-- key: id\nSELECT id, v, score FROM features\n")
        return bench.measure([str(bench.BINARY), "--project", str(directory), "sync", "features"], "snowflake sync")
    finally:
        stop(pid)


def bigquery(bench, rows, workdir):
    port, pid = start("bigquery")
    try:
        api = f"http://127.0.0.1:{port}/bigquery/v2/projects/bench"
        post(api + "/datasets", {"datasetReference": {"projectId": "bench", "datasetId": "analytics"}})
        post(api + "/queries", {"useLegacySql": False, "query":
                                "CREATE TABLE analytics.features AS SELECT CONCAT('k', CAST(x AS STRING)) AS id, "
                                f"MOD(x, 97) AS v, x * 1.5 AS score FROM UNNEST(GENERATE_ARRAY(0, {rows - 1})) AS x"})
        directory = project(workdir, "bigquery", f'kind = "bigquery"\nproject = "bench"\n'
                            f'api_url = "http://127.0.0.1:{port}"\ntoken = "{TOKEN}"')
        (directory / "models" / "features.sql").write_text("-- key: id\nSELECT id, v, score FROM analytics.features\n")
        return bench.measure([str(bench.BINARY), "--project", str(directory), "sync", "features"], "bigquery sync")
    finally:
        stop(pid)


def postgres(bench, rows, workdir, db):
    bench.psql(db, "DROP TABLE IF EXISTS features; CREATE TABLE features AS SELECT 'k' || g AS id, g % 97 AS v, "
               f"g * 1.5 AS score FROM generate_series(0, {rows - 1}) g")
    directory = project(workdir, "postgres", f'kind = "postgres"\nurl = "{bench.conninfo(db)}"')
    (directory / "models" / "features.sql").write_text("-- key: id\nSELECT id, v, score FROM features\n")
    return bench.measure([str(bench.BINARY), "--project", str(directory), "sync", "features"], "postgres sync")


def run(bench, rows, workdir, db):
    """A first sync of `rows` rows of the same table (a text key, an integer, a decimal) from
    PostgreSQL and from each emulator: wall time, rows/s, client CPU and peak RSS."""
    results = {}
    sources = [("PostgreSQL (libpq, COPY)", lambda: postgres(bench, rows, workdir, db)),
               ("Snowflake SQL API (snowduck)", lambda: snowflake(bench, rows, workdir)),
               ("BigQuery REST API (bqemulator)", lambda: bigquery(bench, rows, workdir))]
    for name, body in sources:
        r = body()
        r.pop("stdout", None)
        r["rows_per_s"] = rows / r["wall_s"]
        results[name] = r
    return results

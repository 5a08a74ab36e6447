#!/usr/bin/env python3
"""WarehouseSync benchmark: a sync against its physical floor and the SQL-only alternative.

Run through scripts/bench.sh, which builds the release binary and starts a throwaway PostgreSQL.
Every scenario runs as a child process; wall time, client CPU (user+sys) and peak resident memory
come from os.wait4 for that process alone. Ratios are to the floor measured in the same run.
Peers (drt and dlt, bench/peers.py) do the same job on the same table unless --no-peers.
"""
import argparse, http.client, json, os, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request
from pathlib import Path

import emulators
import peers
import warehouse_diff

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / ".build" / "release" / "warehouse-sync"
PG = {"host": os.environ.get("WS_TEST_PG_HOST"), "port": os.environ.get("WS_TEST_PG_PORT")}


def conninfo(db):
    return f"host={PG['host']} port={PG['port']} user=postgres dbname={db}"


def psql(db, sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo(db), "-f", "-"], input=sql.encode(), check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"})


def measure(argv, label, stderr=subprocess.DEVNULL, allow_failure=False):
    """Runs argv; returns wall seconds, CPU seconds, peak RSS in MB and its stdout (and its exit
    code when it failed and allow_failure is set; otherwise a failure ends the benchmark)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode()
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and not allow_failure:
        sys.exit(f"{label} failed: {' '.join(map(str, argv))}\n{text}")
    result = {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024, "stdout": text}
    if code != 0:
        result["exit_code"] = code
    return result


def median_of(count, argv, label):
    """Runs a scenario that leaves no trace `count` times and keeps the run with the median wall time."""
    runs = sorted((measure(argv, label) for _ in range(count)), key=lambda r: r["wall_s"])
    result = runs[len(runs) // 2]
    result["repeats"] = count
    return result


# The key's primary-key index is in byte order ("C" collation), so PostgreSQL serves the sync's
# ORDER BY key COLLATE "C" from the index instead of sorting (docs/how-it-works.md: "Keys in byte order").
TABLE_COLUMNS = ('customer_id text COLLATE "C" PRIMARY KEY, orders_count integer, lifetime_value numeric(12,2), '
                 "segment text, last_order date, is_active boolean, churn_score double precision")


def generate(db, rows):
    psql(db, f"""
        DROP TABLE IF EXISTS customer_features;
        CREATE TABLE customer_features ({TABLE_COLUMNS});
        INSERT INTO customer_features
        SELECT 'c' || lpad(g::text, 9, '0'), g % 97, (g % 100000) / 100.0,
               (ARRAY['new','regular','vip','dormant'])[1 + g % 4], DATE '2024-01-01' + (g % 700),
               g % 3 <> 0, (g % 1000) / 1000.0
        FROM generate_series(1, {rows}) g;
        VACUUM ANALYZE customer_features;""")


# Each change is followed by VACUUM, as autovacuum or a rebuilt model table would leave it, so that
# no scenario pays for the first read after an UPDATE (setting hint bits on every page).
CHANGE_1PCT = "UPDATE customer_features SET segment = segment || '+' WHERE right(customer_id, 2) = '42'; VACUUM customer_features"
REMOVE_1PCT = "DELETE FROM customer_features WHERE right(customer_id, 2) = '17'; VACUUM customer_features"
COLUMNS = ["orders_count", "lifetime_value", "segment", "last_order", "is_active", "churn_score"]
# Two hand-written alternatives: into a table with a column a trait (the cheapest there is), and
# into a profile of the shape WarehouseSync writes (the traits as one JSON object, merged).
UPSERTS = {
    "typed columns": ("CREATE TABLE profiles_sql (LIKE customer_features INCLUDING ALL)",
        "INSERT INTO profiles_sql SELECT * FROM customer_features ON CONFLICT (customer_id) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS)
        + f" WHERE ({', '.join('profiles_sql.' + c for c in COLUMNS)}) IS DISTINCT FROM ({', '.join('EXCLUDED.' + c for c in COLUMNS)})"),
    "JSON profiles": ("CREATE TABLE profiles_json (key text PRIMARY KEY, traits jsonb NOT NULL, updated_at timestamptz NOT NULL)",
        "INSERT INTO profiles_json (key, traits, updated_at) SELECT customer_id, jsonb_build_object("
        + ", ".join(f"'{c}', {c}" for c in COLUMNS) + "), now() FROM customer_features "
        "ON CONFLICT (key) DO UPDATE SET traits = profiles_json.traits || EXCLUDED.traits, updated_at = EXCLUDED.updated_at "
        "WHERE NOT profiles_json.traits @> EXCLUDED.traits"),
}


def sql_only(db):
    """Each upsert's first load and unchanged rerun, then one 1% change, then each one's rerun."""
    psql(db, "DROP TABLE IF EXISTS profiles_sql; DROP TABLE IF EXISTS profiles_json")
    results = {}
    for name, (create, upsert) in UPSERTS.items():
        psql(db, create)
        cmd = ["psql", "-X", "-q", "-d", conninfo(db), "-c", upsert]
        results[(name, "first load")] = measure(cmd, f"sql {name} first load")
        results[(name, "unchanged rerun")] = median_of(3, cmd, f"sql {name} rerun")
    psql(db, CHANGE_1PCT)
    for name, (_, upsert) in UPSERTS.items():
        results[(name, "rerun, 1% changed")] = measure(["psql", "-X", "-q", "-d", conninfo(db), "-c", upsert], f"sql {name} 1% rerun")
    return dict(sorted(results.items(), key=lambda item: list(UPSERTS).index(item[0][0])))


def warehouse_sync(db, store_kind, workdir):
    project = Path(workdir) / f"project-{store_kind}"
    (project / "models").mkdir(parents=True, exist_ok=True)
    def reset_store():
        if store_kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (project / f"state.db{suffix}").unlink(missing_ok=True)
        else:
            psql("postgres", "DROP DATABASE IF EXISTS bench_store")
            psql("postgres", "CREATE DATABASE bench_store")
    store = "sqlite:state.db" if store_kind == "sqlite" else conninfo("bench_store")
    # wh_sorted reads the same table with index scans turned off: the server sorts by key.
    (project / "warehouse-sync.toml").write_text(
        f'[store]\nurl = "{store}"\n\n[sources.wh]\nkind = "postgres"\nurl = "{conninfo(db)}"\n'
        # The benchmark's writes come from psql sessions that end, which publish their counters at once.
        'statistics_lag = "0s"\n\n'
        f'[sources.wh_sorted]\nkind = "postgres"\nurl = "{conninfo(db)} options=\'-c enable_indexscan=off\'"\n'
        'statistics_lag = "0s"\n')
    # skip_unchanged: false makes every rerun diff the warehouse: the scenarios measure the diff; the
    # skip rule (docs/cost.md) has a scenario of its own.
    (project / "models" / "features.sql").write_text(
        "-- key: customer_id\n-- source: wh\n-- max_removed: 100%\n-- skip_unchanged: false\n"
        "SELECT * FROM customer_features\n")
    # The server-sorts model writes the same traits, so it gets a project and store of its own (a
    # trait belongs to one model of a store).
    sorted_project = Path(workdir) / f"project-{store_kind}-sorted"
    (sorted_project / "models").mkdir(parents=True, exist_ok=True)
    (sorted_project / "warehouse-sync.toml").write_text(
        (project / "warehouse-sync.toml").read_text().replace(store, "sqlite:state.db"))
    (sorted_project / "models" / "features_sorted.sql").write_text(
        "-- key: customer_id\n-- source: wh_sorted\n-- max_removed: 100%\n-- skip_unchanged: false\n"
        "SELECT * FROM customer_features\n")
    results = {}
    def run(name, repeats=1, reset=None, model="features", extra=()):
        directory = sorted_project if model == "features_sorted" else project
        cmd = [str(BINARY), "--project", str(directory), "sync", model, "--json", *extra]
        if reset:
            # Each repetition starts from an empty store; the one kept is the median.
            attempts = []
            for _ in range(repeats):
                reset()
                attempts.append(measure(cmd, f"{store_kind} {name}"))
            r = sorted(attempts, key=lambda a: a["wall_s"])[repeats // 2]
            r["repeats"] = repeats
        else:
            r = median_of(repeats, cmd, f"{store_kind} {name}")
        run_info = json.loads(r.pop("stdout"))["runs"][0]
        if run_info["status"] == "skipped":
            r["skipped"] = True
            r["probe_ms"] = (run_info.get("cost") or {}).get("probe_ms")
            results[name] = r
            return
        r["phases_ms"] = {"query": run_info.get("query_ms"), "fetch": run_info.get("fetch_ms"), "total": run_info.get("duration_ms")}
        # The server's own execution time of the model's query (pg_stat_statements).
        r["warehouse_execution_ms"] = (run_info.get("cost") or {}).get("execution_ms")
        r["counts"] = {k: run_info[k] for k in ("added", "changed", "removed", "unchanged", "traits_written")}
        results[name] = r
    run("first sync", repeats=3, reset=reset_store)
    STORE_FLOORS[store_kind] = store_floor(store_kind, project, workdir)
    run("unchanged rerun", repeats=3)
    # The skip rule, on both stores (what users get by default; the rerun above is the read path with
    # the skip off): the same model with skip_unchanged on; its first run records the sources'
    # counters, the next finds them unchanged and skips (EXPLAIN and catalog queries only).
    model_file = project / "models" / "features.sql"
    text = model_file.read_text()
    model_file.write_text(text.replace("-- skip_unchanged: false\n", ""))
    run("rerun with skip_unchanged, recording the sources")
    del results["rerun with skip_unchanged, recording the sources"]
    run("unchanged rerun, skipped: sources unchanged", repeats=3)
    model_file.write_text(text)
    if store_kind == "sqlite":
        run("first sync, server sorts", model="features_sorted")
        del results["first sync, server sorts"]
        run("unchanged rerun, server sorts", repeats=3, model="features_sorted")
    psql(db, CHANGE_1PCT)
    run("rerun, 1% changed")
    # The SQLite store folds a run's log into its file during the next run, in the background.
    run("unchanged rerun after it")
    delivery(db, store_kind, project, run, results)
    psql(db, REMOVE_1PCT)
    run("rerun, 1% removed")
    return results


DELIVERY = {}
STORE_FLOORS = {}
# The tables a first sync fills, each with its key columns (the order a first sync writes them in).
FIRST_SYNC_TABLES = {"sqlite": [("profiles", "key"), ("ws_snapshots", "model, key"), ("ws_change_added", "run_seq, key")],
                     "postgres": [("profiles", "key"), ("snapshots", "model, key"), ("change_added", "run_seq, key")]}


def store_floor(store_kind, project, workdir, repeats=3):
    """The store engine alone writing the rows the first sync just wrote, into empty tables of the same
    definition, in key order, in one transaction, by its own most direct path: sqlite3's INSERT ... SELECT
    from the synced file (its settings: WAL, synchronous FULL, a 16 MB cache; the CLI checkpoints on
    close, as a run that wrote more than 256 MB does), psql's \\copy from files dumped beforehand. The
    median of `repeats`, each into new tables, as the first sync it is compared with."""
    tables = FIRST_SYNC_TABLES[store_kind]
    attempts = []
    if store_kind == "sqlite":
        floor_db = Path(workdir) / "store-floor.db"
        import sqlite3
        with sqlite3.connect(project / "state.db") as synced:
            creates = [synced.execute("SELECT sql FROM sqlite_master WHERE name = ?", (t,)).fetchone()[0] for t, _ in tables]
        script = ["PRAGMA journal_mode = WAL;", "PRAGMA synchronous = FULL;", "PRAGMA cache_size = -16384;"]
        script += [c + ";" for c in creates]
        script += [f"ATTACH '{project / 'state.db'}' AS synced;", "BEGIN IMMEDIATE;"]
        script += [f"INSERT INTO main.{t} SELECT * FROM synced.{t} ORDER BY {k};" for t, k in tables]
        script += ["COMMIT;"]
        script_file = Path(workdir) / "store-floor.sql"
        script_file.write_text("\n".join(script) + "\n")
        for _ in range(repeats):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{floor_db}{suffix}").unlink(missing_ok=True)
            attempts.append(measure(["sh", "-c", f"sqlite3 '{floor_db}' < '{script_file}'"], "sqlite store floor"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{floor_db}{suffix}").unlink(missing_ok=True)
    else:
        files = {t: Path(workdir) / f"store-floor-{t}.copy" for t, _ in tables}
        for t, k in tables:
            psql("bench_store", f"\\copy (SELECT * FROM warehouse_sync.{t} ORDER BY {k}) TO '{files[t]}'")
        script_file = Path(workdir) / "store-floor.sql"
        script_file.write_text("".join(f"\\copy store_floor.{t} FROM '{files[t]}'\n" for t, _ in tables))
        for _ in range(repeats):
            # LIKE copies columns, constraints and indexes but not storage parameters (the store's fillfactor).
            psql("bench_store", "DROP SCHEMA IF EXISTS store_floor CASCADE; CREATE SCHEMA store_floor;"
                 + "".join(f"CREATE TABLE store_floor.{t} (LIKE warehouse_sync.{t} INCLUDING ALL);" for t, _ in tables)
                 + "DO $$ DECLARE r record; BEGIN FOR r IN SELECT c.relname, c.reloptions FROM pg_class c "
                 "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'warehouse_sync' AND c.reloptions "
                 "IS NOT NULL LOOP IF to_regclass('store_floor.' || quote_ident(r.relname)) IS NOT NULL THEN "
                 "EXECUTE format('ALTER TABLE store_floor.%I SET (%s)', r.relname, array_to_string(r.reloptions, ', ')); "
                 "END IF; END LOOP; END $$;")
            # -1: the three copies in one transaction, as a run's.
            attempts.append(measure(["psql", "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", conninfo("bench_store"),
                                     "-f", str(script_file)], "postgres store floor"))
        psql("bench_store", "DROP SCHEMA store_floor CASCADE")
        for f in files.values():
            f.unlink()
    r = sorted(attempts, key=lambda a: a["wall_s"])[repeats // 2]
    r["repeats"] = repeats
    r.pop("stdout", None)
    return r
ROWS = [1_000_000]


def delivery(db, store_kind, project, run, results):
    """The same 1% change with a destination: the commit also queues each change in the outbox
    (measured with --no-deliver), then `deliver` sends them to a local receiver that answers at once."""
    receiver = subprocess.Popen([sys.executable, str(ROOT / "Tests" / "Fixtures" / "receiver.py"), "0"],
                                stdout=subprocess.PIPE, text=True)
    port = receiver.stdout.readline().strip()
    toml, model = project / "warehouse-sync.toml", project / "models" / "features.sql"
    config, text = toml.read_text(), model.read_text()
    try:
        toml.write_text(config + f'\n[destinations.bench]\nkind = "webhook"\nurl = "http://127.0.0.1:{port}/in"\n'
                        'batch_size = 1000\nmax_requests_per_second = 1000\n')
        # Three rounds, each a fresh 1% change synced without and then with the destination (the
        # destination's own model file), so the two are compared in the same conditions; medians kept.
        with_dest, without_dest, sent = [], [], []
        for _ in range(3):
            model.write_text(text)
            psql(db, CHANGE_1PCT)
            without_dest.append(measure([str(BINARY), "--project", str(project), "sync", "features"], "without"))
            psql(db, CHANGE_1PCT)
            model.write_text(text.replace("-- source: wh\n", "-- source: wh\n-- destinations: bench\n"))
            with_dest.append(measure([str(BINARY), "--project", str(project), "sync", "features", "--no-deliver"],
                                     "with a destination"))
            sent.append(measure([str(BINARY), "--project", str(project), "deliver"], f"{store_kind} deliver"))
        median = lambda xs: sorted(x["wall_s"] for x in xs)[1]
        queued = 10_000 * ROWS[0] // 1_000_000
        DELIVERY[store_kind] = {"changes": queued, "deliver_s": median(sent), "per_s": queued / median(sent),
                                "commit_with_s": median(with_dest), "commit_without_s": median(without_dest)}
    finally:
        toml.write_text(config)
        model.write_text(text)
        receiver.terminate()


SERVICE = {}
TOKEN = "bench-token-0123456789abcdef"


def api(base, path, method="GET"):
    # A POST's body is JSON, as the API requires of every POST (docs/http-api.md).
    headers = {"Authorization": "Bearer " + TOKEN}
    if method == "POST":
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, method=method, data=b"{}" if method == "POST" else None,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}
    except Exception:  # noqa: BLE001 - a refused or dropped request counts as an error
        return 0, {}


def service_under_load(db, workdir, seconds=30, rps=200):
    """`serve` with its HTTP API: unchanged reruns of the model triggered through the API, idle and
    while a load of `rps` requests a second to /v1/status and /v1/profiles/KEY runs for `seconds`;
    run durations from the run records, the service's resident memory sampled each second."""
    project = Path(workdir) / "project-service"
    (project / "models").mkdir(parents=True, exist_ok=True)
    (project / "warehouse-sync.toml").write_text(
        f'[store]\nurl = "sqlite:state.db"\n\n[sources.wh]\nkind = "postgres"\nurl = "{conninfo(db)}"\n\n'
        f'[server]\nlisten = "127.0.0.1:0"\ntoken = "{TOKEN}"\n')
    (project / "models" / "features.sql").write_text(
        "-- key: customer_id\n-- max_removed: 100%\nSELECT * FROM customer_features\n")
    measure([str(BINARY), "--project", str(project), "sync", "features"], "service first sync")
    log = open(project / "serve.log", "w+")
    serve = subprocess.Popen([str(BINARY), "--project", str(project), "serve"], stderr=log, stdout=subprocess.DEVNULL)
    try:
        port = None
        for _ in range(100):
            time.sleep(0.1)
            log.seek(0)
            for line in log.read().splitlines():
                if '"server_started"' in line:
                    port = json.loads(line)["port"]
            if port:
                break
        base = f"http://127.0.0.1:{port}"
        def rss_mb():
            for line in Path(f"/proc/{serve.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        def one_run():
            status, answer = api(base, "/v1/models/features/runs", "POST")
            run = answer.get("run")
            if not run:
                raise RuntimeError(f"the API refused the run's trigger (HTTP {status})")
            while True:
                time.sleep(0.05)
                _, record = api(base, f"/v1/runs/{run}")
                if record.get("status") not in (None, "queued", "running"):
                    break
            return record.get("query_ms", 0) + record.get("fetch_ms", 0), record
        idle = [one_run()[0] for _ in range(5)]
        counts = {"sent": 0, "ok": 0, "errors": 0}
        lock = threading.Lock()
        stop = threading.Event()
        def load():
            # A few keep-alive connections paced together at `rps`: the client's own CPU stays small
            # on a 2-core machine where it shares the cores with the service and the warehouse.
            paths = ["/v1/status", "/v1/profiles/c000000042"]
            tick = threading.Semaphore(0)
            def worker():
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                i = 0
                while True:
                    tick.acquire()
                    if stop.is_set():
                        return
                    try:
                        connection.request("GET", paths[i % 2], headers={"Authorization": "Bearer " + TOKEN})
                        answer = connection.getresponse()
                        answer.read()
                        ok = answer.status == 200
                    except Exception:  # noqa: BLE001 - counted, and the connection is made anew
                        ok = False
                        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    i += 1
                    with lock:
                        counts["ok" if ok else "errors"] += 1
            workers = [threading.Thread(target=worker, daemon=True) for _ in range(8)]
            for w in workers:
                w.start()
            interval, next_at = 1.0 / rps, time.time()
            while not stop.is_set():
                tick.release()
                with lock:
                    counts["sent"] += 1
                next_at += interval
                time.sleep(max(0, next_at - time.time()))
            for _ in workers:
                tick.release()
        memory = [rss_mb()]
        loader = threading.Thread(target=load)
        start = time.time()
        loader.start()
        loaded = []
        while time.time() - start < seconds:
            loaded.append(one_run()[0])
            memory.append(rss_mb())
        stop.set()
        loader.join()
        elapsed = time.time() - start
        time.sleep(2)
        memory.append(rss_mb())
        median = lambda xs: sorted(xs)[len(xs) // 2]
        SERVICE.update({
            "idle_runs": idle, "loaded_runs": loaded, "idle_median_ms": median(idle), "loaded_median_ms": median(loaded),
            "requests": counts["sent"], "ok": counts["ok"], "errors": counts["errors"], "rps": counts["sent"] / elapsed,
            "rss_mb_start": memory[0], "rss_mb_max": max(memory), "rss_mb_end": memory[-1], "seconds": elapsed})
    finally:
        serve.terminate()
        serve.wait(timeout=20)
        log.close()


def diff_report(db, workdir, rows, report):
    """The 10M-row scenario of docs/warehouse-diff.md, written to bench/results-warehouse-diff.{md,json}."""
    generate(db, rows)
    floor = median_of(3, ["psql", "-X", "-q", "-d", conninfo(db), "-c",
                          r"\copy (SELECT * FROM customer_features) TO /dev/null"], "floor")
    floor.pop("stdout")
    results, comparison = warehouse_diff.run(sys.modules[__name__], db, workdir)
    out = ROOT / "bench" / "results-warehouse-diff"
    out.with_suffix(".json").write_text(json.dumps({
        "rows": rows, "machine": report["machine"], "date": report["date"], "floor": floor,
        "scenarios": [{"diff": mode, "scenario": scenario, **r} for (mode, scenario), r in results.items()],
        "stores": comparison}, indent=2) + "\n")
    lines = warehouse_diff.report(rows, report["date"], report["machine"], floor, results, comparison)
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if not comparison["equal"]:
        sys.exit("the warehouse-side diff's profiles differ from the client-side diff's")


# The performance targets (bench/README.md): each rerun's ratio to the read floor, a first sync's
# ratio to its store's floor, and against the peers (drt's diff strategy, dlt's merge and scd2).
TARGETS = {"sqlite": {"unchanged rerun": 1.25, "rerun, 1% changed": 1.6, "rerun, 1% removed": 1.6, "first sync": 1.5},
           "postgres": {"unchanged rerun": 1.5, "rerun, 1% changed": 2.0, "rerun, 1% removed": 2.0, "first sync": 1.15}}
PEER_TOOLS = ("diff strategy", "merge into", "scd2 into")


def targets(scenarios):
    """The targets table: what each was measured at in this run, and whether it was met."""
    by = {(s["tool"], s["scenario"]): s for s in scenarios}
    lines = ["", "Targets (this run; the unchanged rerun with the skip off, which reads and diffs every row):", "",
             "| target | measured | met? |", "|---|---|---|"]
    def row(name, measured, met):
        lines.append(f"| {name} | {measured} | {'yes' if met else 'no'} |")
    for store, limits in TARGETS.items():
        tool = f"WarehouseSync, {store} store"
        for scenario, limit in limits.items():
            s = by.get((tool, scenario))
            if not s:
                continue
            if scenario == "first sync":
                floor = STORE_FLOORS.get(store)
                if floor:
                    ratio = s["wall_s"] / floor["wall_s"]
                    row(f"{store} store: first sync ≤ {limit}× its store floor", f"{ratio:.2f}×", ratio <= limit)
            else:
                row(f"{store} store: {scenario} ≤ {limit}× the read floor", f"{s['ratio_to_floor']:.2f}×",
                    s["ratio_to_floor"] <= limit)
        for scenario in ("unchanged rerun", "rerun, 1% changed", "rerun, 1% removed"):
            ours = by.get((tool, scenario))
            peers = [p for (t, sc), p in by.items() if sc == scenario and any(k in t for k in PEER_TOOLS)]
            if not ours or not peers:
                continue
            speed = min(p["wall_s"] for p in peers) / ours["wall_s"]
            memory = min(p["peak_rss_mb"] for p in peers) / ours["peak_rss_mb"]
            row(f"{store} store: {scenario} ≥ 10× faster than drt's diff, dlt's merge and scd2, ≤ ⅓ of their memory",
                f"{speed:.1f}× faster than the fastest of them, {memory:.1f}× less memory than the leanest",
                speed >= 10 and memory >= 3)
    ours = [s["peak_rss_mb"] for s in scenarios if s["tool"].startswith("WarehouseSync")]
    if ours:
        row("peak RSS under 64 MB", f"{max(ours):.0f} MB at most", max(ours) < 64)
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--stores", default="sqlite,postgres",
                        help="which stores to measure, comma-separated (empty: none)")
    parser.add_argument("--no-sql-only", action="store_true", help="skip the SQL-only upsert")
    parser.add_argument("--no-service", action="store_true", help="skip serve's HTTP API under load")
    parser.add_argument("--no-peers", action="store_true", help="skip the peers (drt and dlt, bench/peers.py)")
    parser.add_argument("--emulator-rows", type=int, default=100_000,
                        help="rows of a first sync from the Snowflake and BigQuery emulators (bench/emulators.py); 0 skips it")
    parser.add_argument("--warehouse-diff-rows", type=int, default=10_000_000,
                        help="rows of the client-side vs warehouse-side diff (bench/warehouse_diff.py); 0 skips it")
    args = parser.parse_args()
    ROWS[0] = args.rows
    if not args.no_peers:
        peers.ensure_venv()  # before anything is measured: an install that fails ends the run at once
    db = "bench"
    psql("postgres", f"DROP DATABASE IF EXISTS {db}")
    psql("postgres", f"CREATE DATABASE {db}")
    # Each run records the server's execution time of its query (throwaway-postgres preloads it).
    psql(db, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    report = {"rows": args.rows, "machine": f"{os.cpu_count()} cores", "date": time.strftime("%Y-%m-%d"), "scenarios": []}

    generate(db, args.rows)
    floor = median_of(3, ["psql", "-X", "-q", "-d", conninfo(db), "-c", r"\copy (SELECT * FROM customer_features) TO /dev/null"], "floor")
    floor.pop("stdout")
    def add(tool, scenario, r):
        r.pop("stdout", None)
        r.update(tool=tool, scenario=scenario, rows_per_s=args.rows / r["wall_s"], ratio_to_floor=r["wall_s"] / floor["wall_s"])
        report["scenarios"].append(r)
    add("floor: psql \\copy to /dev/null", "read every row", floor)
    if not args.no_sql_only:
        for (name, scenario), r in sql_only(db).items():
            add(f"SQL-only upsert, {name}", scenario, r)
    with tempfile.TemporaryDirectory() as workdir:
        for store in filter(None, args.stores.split(",")):
            generate(db, args.rows)
            for scenario, r in warehouse_sync(db, store, workdir).items():
                add(f"WarehouseSync, {store} store", scenario, r)
        engines = {"sqlite": "sqlite3 INSERT ... SELECT", "postgres": "psql \\copy"}
        for store, r in STORE_FLOORS.items():
            add(f"store floor: {engines[store]} alone", f"the first sync's rows into empty {store} store tables", r)

        if not args.no_peers:
            generate(db, args.rows)
            peer_results, report["peers"] = peers.run(sys.modules[__name__], db, workdir)
            for (tool, scenario), r in peer_results.items():
                add(tool, scenario, r)

        if not args.no_service:
            generate(db, args.rows)
            service_under_load(db, workdir)

        if args.emulator_rows:
            report["emulators"] = {"rows": args.emulator_rows, "sources": emulators.run(
                sys.modules[__name__], args.emulator_rows, workdir, db)}

        if args.warehouse_diff_rows:
            diff_report(db, workdir, args.warehouse_diff_rows, report)

    report["delivery"] = DELIVERY
    report["service"] = SERVICE
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"Rows: {args.rows:,}; {report['machine']}; {report['date']}; release build; one run of the benchmark. "
             "Scenarios marked * are the median of 3 repetitions (a first sync starts from an empty store each time); "
             "the others change state and run once.", "",
             "| tool | scenario | wall s | rows/s | client CPU s | peak RSS MB | × floor |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for s in report["scenarios"]:
        mark = "*" if s.get("repeats", 1) > 1 else ""
        if not s.get("correct", True):
            mark += f" (wrong: {s['check']['reason']})"
        lines.append(f"| {s['tool']} | {s['scenario']}{mark} | {s['wall_s']:.2f} | {s['rows_per_s']:,.0f} | {s['cpu_s']:.2f} | {s['peak_rss_mb']:.0f} | {s['ratio_to_floor']:.2f} |")
    if "peers" in report:
        wrong = sum(1 for s in report["scenarios"] if s.get("correct") is False)
        lines += ["", f"Peers, installed from PyPI into bench/.venv-peers ({', '.join(report['peers']['pins'][:2])}), "
                  "on the same table, one run a scenario, each tool a child process measured the same way: drt's diff "
                  "strategy (`mode: mirror`, `incremental_strategy: diff`, `mirror.strategy: diff`: a snapshot of the "
                  "model in the source database, diffed there) and its mirror (`mode: mirror`: reads every row, "
                  "upserts every row, deletes the keys it did not see; needs no write grant on the source), each into "
                  "a table of another database on the same server, 10,000 rows a commit; dlt's `sql_database` "
                  "(pyarrow backend) with `write_disposition` merge (the default strategy, delete-insert on DuckDB) and with "
                  "scd2 (current rows: no end of validity), primary key customer_id, into a DuckDB file. After every "
                  "run each peer's result was checked against the table (row count and an md5 over the rows in key "
                  f"order): {wrong} wrong, marked in the scenario column. The peers took "
                  f"{report['peers']['seconds']:.0f} s of this run, checks included."]
    if STORE_FLOORS:
        firsts = {s["tool"]: s for s in report["scenarios"] if s["scenario"] == "first sync"}
        compared = []
        for store, r in STORE_FLOORS.items():
            first = firsts.get(f"WarehouseSync, {store} store")
            if first:
                compared.append(f"{store} store {first['wall_s']:.2f} s against {r['wall_s']:.2f} s "
                                f"({first['wall_s'] / r['wall_s']:.2f}×)")
        lines += ["", "Store floors: the store's engine alone writing the rows a first sync wrote (profiles, snapshot, "
                  "change log) into empty tables of the same definition, in key order, in one transaction, by its most "
                  "direct path (SQLite: the sqlite3 shell's INSERT ... SELECT from the synced file, WAL, synchronous "
                  "FULL, a 16 MB cache, checkpointed on close; PostgreSQL: psql's \\copy from files dumped "
                  "beforehand). First sync against it: " + "; ".join(compared) + "."]
    phases = [s for s in report["scenarios"] if "phases_ms" in s]
    if phases:
        lines += ["", "WarehouseSync phases (ms, from the run record): query = until the first row; fetch = streaming and diffing; "
                  "write = the rest of the recorded run: connecting and applying the changes in the store transaction; run = the three; "
                  "commit and process = the rest of the wall time: process start, store open, the COMMIT and its sync, exit.", "",
                  "warehouse = the server's execution time of the model's query (pg_stat_statements; a skipped run: its probe).", "",
                  "| store | scenario | query | fetch | write | run | commit and process | warehouse | added | changed | removed | traits written |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for s in phases:
            p, c = s["phases_ms"], s["counts"]
            write = p["total"] - p["query"] - p["fetch"]
            rest = round(s["wall_s"] * 1000) - p["total"]
            warehouse = s.get("warehouse_execution_ms")
            lines.append(f"| {s['tool'].split(', ')[1]} | {s['scenario']} | {p['query']} | {p['fetch']} | {write} | {p['total']} | {rest} | "
                         f"{'' if warehouse is None else round(warehouse)} | {c['added']} | {c['changed']} | {c['removed']} | {c['traits_written']} |")
        for s in report["scenarios"]:
            if s.get("skipped"):
                lines.append(f"| {s['tool'].split(', ')[1]} | {s['scenario']} | | | | | | {s.get('probe_ms') or ''} | 0 | 0 | 0 | 0 |")
    lines += targets(report["scenarios"])
    if DELIVERY:
        lines += ["", "Destinations: three rounds of a fresh 1% change synced without a destination, then again "
                  "with one webhook destination (`sync --no-deliver`: the commit also queues each change in the "
                  "outbox), then `deliver` to a local receiver (Python's http.server, answering at once; batches of "
                  "1,000); medians of the three.", "",
                  "| store | changes | sync without destination s | sync with destination s | cost of the destination | "
                  "deliver s | changes/s delivered |", "|---|---:|---:|---:|---:|---:|---:|"]
        for store, d in DELIVERY.items():
            cost = d["commit_with_s"] / d["commit_without_s"] - 1
            lines.append(f"| {store} | {d['changes']:,} | {d['commit_without_s']:.2f} | {d['commit_with_s']:.2f} | "
                         f"{cost:+.0%} | {d['deliver_s']:.2f} | {d['per_s']:,.0f} |")
    if SERVICE:
        sv = SERVICE
        lines += ["", f"serve with its HTTP API: unchanged reruns triggered through the API (query + fetch ms from the "
                  f"run records), 5 while the service is idle, then one after another while {sv['requests']:,} requests "
                  f"({sv['rps']:.0f}/s for {sv['seconds']:.0f} s) alternate between /v1/status and /v1/profiles/KEY; "
                  "the service's resident memory sampled after each run.", "",
                  "| idle run ms (median) | run under load ms (median) | change | requests ok | errors | "
                  "RSS MB at start | max | after |", "|---:|---:|---:|---:|---:|---:|---:|---:|",
                  f"| {sv['idle_median_ms']} | {sv['loaded_median_ms']} | "
                  f"{sv['loaded_median_ms'] / sv['idle_median_ms'] - 1:+.0%} | {sv['ok']:,} | {sv['errors']:,} | "
                  f"{sv['rss_mb_start']:.0f} | {sv['rss_mb_max']:.0f} | {sv['rss_mb_end']:.0f} |"]
    if "emulators" in report:
        em = report["emulators"]
        lines += ["", f"A first sync of the same {em['rows']:,} rows (a text key, an integer, a decimal) from PostgreSQL "
                  "and from the emulators of Snowflake's SQL API and BigQuery's REST API (scripts/emulators.sh): a figure "
                  "of WarehouseSync's HTTP clients and of the emulators (Python over DuckDB, one request at a time), "
                  "never of the real services.", "",
                  "| source | wall s | rows/s | client CPU s | peak RSS MB |", "|---|---:|---:|---:|---:|"]
        for name, r in em["sources"].items():
            lines.append(f"| {name} | {r['wall_s']:.2f} | {r['rows_per_s']:,.0f} | {r['cpu_s']:.2f} | {r['peak_rss_mb']:.0f} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""The diff inside the warehouse (docs/warehouse-diff.md) against the client-side diff, on one table of N rows.

Two projects read the same table into SQLite stores of their own: one with `-- diff: client`, one
with `-- diff: warehouse` (a scratch schema on the same server). Each does a first sync, an
unchanged rerun and a rerun after 1% of the rows changed; every run is a child process measured
like the rest of the benchmark. After the last run the two stores' profiles are compared (an md5
over every profile's key and traits, in key order): they must be equal.
"""
import hashlib, json, sqlite3
from pathlib import Path

SCENARIOS = ["first sync", "unchanged rerun", "rerun, 1% changed"]


def profiles_digest(store):
    digest, count = hashlib.md5(), 0
    with sqlite3.connect(store) as db:
        for key, traits in db.execute("SELECT key, traits FROM profiles ORDER BY key"):
            digest.update(key.encode() + b"\t" + traits.encode() + b"\n")
            count += 1
    return count, digest.hexdigest()


def run(bench, db, workdir):
    """Returns {(mode, scenario): measurement} and the stores' comparison."""
    bench.psql(db, "DROP SCHEMA IF EXISTS ws_scratch CASCADE; CREATE SCHEMA ws_scratch")
    projects = {}
    for mode in ("client", "warehouse"):
        project = Path(workdir) / f"project-diff-{mode}"
        (project / "models").mkdir(parents=True, exist_ok=True)
        (project / "warehouse-sync.toml").write_text(
            f'[store]\nurl = "sqlite:state.db"\n\n[sources.wh]\nkind = "postgres"\nurl = "{bench.conninfo(db)}"\n'
            'statistics_lag = "0s"\nscratch_schema = "ws_scratch"\n')
        (project / "models" / "features.sql").write_text(
            f"-- key: customer_id\n-- diff: {mode}\n-- max_removed: 100%\n-- skip_unchanged: false\n"
            "SELECT * FROM customer_features\n")
        projects[mode] = project
    results = {}

    def sync(mode, scenario):
        cmd = [str(bench.BINARY), "--project", str(projects[mode]), "sync", "features", "--json"]
        r = bench.measure(cmd, f"diff {mode} {scenario}")
        info = json.loads(r.pop("stdout"))["runs"][0]
        cost = info.get("cost") or {}
        r["bytes_received"] = info.get("bytes_received")
        r["phases_ms"] = {"query": info.get("query_ms"), "fetch": info.get("fetch_ms"),
                          "total": info.get("duration_ms")}
        # The warehouse's time: the COPY's execution (pg_stat_statements) and, inside, the statements
        # that materialize, hash and compare the result before the rows stream.
        r["warehouse_ms"] = (cost.get("execution_ms") or 0) + (cost.get("warehouse_diff_ms") or 0)
        r["counts"] = {k: info[k] for k in ("added", "changed", "removed", "unchanged", "traits_written")}
        results[(mode, scenario)] = r

    for scenario in SCENARIOS:
        if scenario == "rerun, 1% changed":
            bench.psql(db, bench.CHANGE_1PCT)
        for mode in ("client", "warehouse"):
            sync(mode, scenario)
    client = profiles_digest(projects["client"] / "state.db")
    warehouse = profiles_digest(projects["warehouse"] / "state.db")
    comparison = {"profiles": client[0], "client_md5": client[1], "warehouse_md5": warehouse[1],
                  "equal": client == warehouse}
    return results, comparison


def report(rows, date, machine, floor, results, comparison):
    lines = [f"Rows: {rows:,}; {machine}; {date}; release build; one run each. The same table synced by two projects "
             "into SQLite stores of their own, one diffing client-side (`-- diff: client`), one in the warehouse "
             "(`-- diff: warehouse`, PostgreSQL on the same machine). warehouse ms = the server's time: the COPY's "
             "execution (pg_stat_statements) plus, for the warehouse-side diff, its statements that materialize, "
             "hash and compare the result. Floor: psql \\copy of the table to /dev/null, "
             f"{floor['wall_s']:.2f} s.", "",
             "| scenario | diff | wall s | × floor | bytes received | warehouse ms | client CPU s | peak RSS MB | "
             "added | changed |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (mode, scenario), r in results.items():
        c = r["counts"]
        lines.append(f"| {scenario} | {mode} | {r['wall_s']:.2f} | {r['wall_s'] / floor['wall_s']:.2f} | "
                     f"{r['bytes_received']:,} | {r['warehouse_ms']:,.0f} | {r['cpu_s']:.2f} | "
                     f"{r['peak_rss_mb']:.0f} | "
                     f"{c['added']:,} | {c['changed']:,} |")
    for scenario in SCENARIOS[1:]:
        client, inside = results[("client", scenario)], results[("warehouse", scenario)]
        lines.append("")
        share = inside["bytes_received"] / client["bytes_received"]
        lines.append(f"{scenario}: the warehouse-side diff received {share:.2%} of the client-side run's bytes, "
                     f"in {inside['wall_s'] / client['wall_s']:.2f}× its wall time.")
    lines += ["", f"Stores compared after the last run: {comparison['profiles']:,} profiles, "
              + ("equal (md5 " + comparison["client_md5"] + ")." if comparison["equal"] else
                 f"DIFFERENT (client {comparison['client_md5']}, warehouse {comparison['warehouse_md5']}).")]
    return lines

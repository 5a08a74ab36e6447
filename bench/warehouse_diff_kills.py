#!/usr/bin/env python3
"""SIGKILL at random moments of warehouse-side runs (docs/warehouse-diff.md) over a large table, by hand:

    swift build -c release --product warehouse-sync
    scripts/throwaway-postgres.sh python3 bench/warehouse_diff_kills.py [--rows 10000000] [--kills 20]

Each round changes about 1% of the rows (and removes and adds some), starts `sync`, kills it with
SIGKILL after a random delay within the previous run's duration, then reruns it to the end. After the
rerun, a client-side dry run of the same model against the same store must find nothing to add,
change or remove (the store equals the warehouse), and the scratch schema must hold one table of the
model. Writes bench/results-warehouse-diff-kills.md.
"""
import argparse, json, os, random, signal, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / ".build" / "release" / "warehouse-sync"
URL = os.environ["WS_TEST_PG_URL"]


def psql(sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", URL, "-f", "-"], input=sql.encode(),
                   check=True, stdout=subprocess.DEVNULL)


def scalar(sql):
    return subprocess.run(["psql", "-X", "-qAt", "-d", URL, "-c", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def sync(project, *extra):
    out = subprocess.run([str(BINARY), "--project", str(project), "sync", "features", "--json", *extra],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"sync {' '.join(extra)} failed: {out.stdout}{out.stderr}")
    return json.loads(out.stdout)["runs"][0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--kills", type=int, default=20)
    args = parser.parse_args()
    psql(f"""
        CREATE SCHEMA ws_scratch;
        CREATE TABLE features (id text COLLATE "C" PRIMARY KEY, score int, tier text, amount numeric(12,2));
        INSERT INTO features SELECT 'k' || g, g % 1000, CASE WHEN g % 3 = 0 THEN 'gold' ELSE 'basic' END, g * 0.25
        FROM generate_series(1, {args.rows}) g;
        VACUUM ANALYZE features;""")
    work = Path(tempfile.mkdtemp(prefix="ws-kills-"))
    config = (f'[store]\nurl = "sqlite:{work}/state.db"\n\n[sources.wh]\nkind = "postgres"\nurl = "{URL}"\n'
              'statistics_lag = "0s"\nscratch_schema = "ws_scratch"\n')
    projects = {}
    for mode in ("warehouse", "client"):
        project = work / mode
        (project / "models").mkdir(parents=True)
        (project / "warehouse-sync.toml").write_text(config)
        (project / "models" / "features.sql").write_text(
            f"-- key: id\n-- diff: {mode}\n-- max_removed: 100%\n-- skip_unchanged: false\n"
            "SELECT id, score, tier, amount FROM features\n")
        projects[mode] = project
    started = time.perf_counter()
    sync(projects["warehouse"])
    run_seconds = time.perf_counter() - started
    lines = [f"Rows: {args.rows:,}; {time.strftime('%Y-%m-%d')}; release build. First sync {run_seconds:.0f} s.", "",
             "| round | killed after s | killed mid-run | rerun s | rerun added | changed | removed | "
             "client-side check: to add, change, remove | scratch tables |", "|---:|---:|---|---:|---:|---:|---:|---|---:|"]
    failures = 0
    for round in range(1, args.kills + 1):
        psql(f"""
            UPDATE features SET score = score + {round} WHERE substr(md5(id || '{round}'), 1, 2) < '03';
            DELETE FROM features WHERE substr(md5(id || 'del{round}'), 1, 3) < '004';
            INSERT INTO features SELECT 'n{round}_' || g, g, 'new', 1.5 FROM generate_series(1, 1000) g;
            VACUUM features;""")
        delay = random.uniform(0.5, max(1.0, run_seconds * 0.95))
        process = subprocess.Popen([str(BINARY), "--project", str(projects["warehouse"]), "sync", "features"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        killed = process.poll() is None
        if killed:
            process.send_signal(signal.SIGKILL)
        process.wait()
        started = time.perf_counter()
        rerun = sync(projects["warehouse"])
        run_seconds = time.perf_counter() - started
        check = sync(projects["client"], "--dry-run")
        tables = int(scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ws_scratch'"))
        found = (check["added"], check["changed"], check["removed"])
        ok = found == (0, 0, 0) and tables == 1
        failures += not ok
        lines.append(f"| {round} | {delay:.1f} | {'yes' if killed else 'no'} | {run_seconds:.1f} | {rerun['added']:,} | "
                     f"{rerun['changed']:,} | {rerun['removed']:,} | {found[0]}, {found[1]}, {found[2]}"
                     f"{'' if ok else ' WRONG'} | {tables} |")
        print(lines[-1], flush=True)
    killed_count = sum(1 for line in lines[4:] if "| yes |" in line)
    lines += ["", f"{killed_count} of {args.kills} runs killed before they finished; {failures} rounds wrong."]
    (ROOT / "bench" / "results-warehouse-diff-kills.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[-1:]))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes Tests/SchedulerTests/Fixtures/cronsim.tsv: random cron expressions with the next fire
times that cronsim (Debian cron semantics) gives, for the schedule tests to agree with.
Run again only to change the table: pip install cronsim && scripts/gen-cron-fixtures.py"""
import random
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
from cronsim import CronSim, CronSimError

rng = random.Random(20261129)
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

def item(lo, hi, names=None):
    kind = rng.choice(["num", "num", "range", "step", "rangestep", "numstep"])
    def val(v):
        if names and rng.random() < 0.4 and v - (1 if names is MONTHS else 0) < len(names):
            return names[v - (1 if names is MONTHS else 0)]
        return str(v)
    a = rng.randint(lo, hi)
    if kind == "num": return val(a)
    b = rng.randint(a, hi)
    # cronsim widens a one-element range with a step (6-6/1) to the field's end; Vixie cron
    # does not, so such ranges are left out of the table.
    if kind == "rangestep" and b == a:
        return val(a)
    s = rng.randint(1, max(1, (hi - lo) // 2))
    if kind == "range": return f"{val(a)}-{val(b)}"
    if kind == "step": return f"*/{s}"
    if kind == "numstep": return f"{a}/{s}"
    return f"{val(a)}-{val(b)}/{s}"

def field(lo, hi, names=None, star=0.4):
    if rng.random() < star: return "*"
    return ",".join(item(lo, hi, names) for _ in range(rng.randint(1, 3)))

def expression():
    return " ".join([field(0, 59, star=0.15), field(0, 23, star=0.35), field(1, 31, star=0.6),
                     field(1, 12, MONTHS, star=0.7), field(0, 7, DAYS, star=0.6)])

start = datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()
end = datetime(2027, 1, 1, tzinfo=timezone.utc).timestamp()
fixed = ["30 2 * * *", "0 * * * *", "*/15 * * * *", "0 0 29 2 *", "0 0 31 * *", "0 0 1 * */2",
         "0 9 * * MON-FRI/2", "0 0 13 * 5", "0 1-3 * * *", "15 1 * * SUN"]
rows = []
for i in range(2500):
    expr = fixed[i] if i < len(fixed) else expression()
    zone = ZONES[i % len(ZONES)] if i >= len(fixed) else rng.choice(ZONES[:3])
    # Bias start times toward DST transition months.
    t = rng.uniform(start, end)
    if rng.random() < 0.5:
        dt = datetime.fromtimestamp(t, timezone.utc)
        dt = dt.replace(month=rng.choice([3, 4, 10, 11]), day=rng.randint(1, 28))
        t = dt.timestamp()
    t = int(t)
    tz = ZoneInfo(zone)
    try:
        it = CronSim(expr, datetime.fromtimestamp(t, tz))
    except CronSimError:
        continue  # cronsim rejects some day/month combinations outright (e.g. 30 FEB)
    fires = []
    try:
        for _ in range(4):
            fires.append(str(int(next(it).timestamp())))
    except StopIteration:
        pass
    rows.append("\t".join([expr, zone, str(t), ",".join(fires)]))

with open("Tests/SchedulerTests/Fixtures/cronsim.tsv", "w") as f:
    f.write("# expression\ttimezone\tafter (unix seconds)\tnext fire times (unix seconds), from cronsim\n")
    f.write("\n".join(rows) + "\n")
print(len(rows), "cases")

#!/usr/bin/env python3
"""How many runner processes per core a provider tolerates before the suite slows down.

Runs the same cases with `wsaconform run --jobs J` for each J and prints, per
J: the wall time, the summed case time (it grows when processes slow each
other down: Wine's one wineserver, the CPU), the longest case and the load
average before the run. The first run only teaches the durations file, so
every measured run is packed the same way (longest first).

    bench/jobs_sweep.py --provider winsock [--jobs 2,4,8,16,24,32] [--filter F] [--repeat R]

The default job count (JOBS_PER_CORE in reports/wsaconform/orchestrate.py)
comes from this table: the smallest J whose wall time is within 10 % of the
best. Writes out/bench/jobs-<provider>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

from benchlib import ROOT, boot, timed_run

WITHIN_BEST = 1.10


def one_run(provider: str, jobs: int, out: Path, case_filter: str | None) -> dict:
    load = os.getloadavg()[0]
    wall, records = timed_run(provider, jobs, out, case_filter)
    durations = [r["duration_ms"] for r in records]
    return {"jobs": jobs, "wall_s": round(wall, 2), "cases": len(records),
            "case_sum_s": round(sum(durations) / 1000, 2), "longest_case_s": round(max(durations) / 1000, 2),
            "median_case_ms": round(statistics.median(durations), 2),
            "not_pass": sum(r["verdict"] not in ("PASS", "NOT_SUPPORTED") for r in records),
            "load_before": round(load, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", default="winsock")
    parser.add_argument("--jobs", default="2,4,8,16,24,32", help="comma-separated job counts")
    parser.add_argument("--filter")
    parser.add_argument("--repeat", type=int, default=1, help="runs per job count (the fastest is kept)")
    parser.add_argument("--out", default=str(ROOT / "out" / "bench" / "jobs"))
    args = parser.parse_args()
    counts = [int(j) for j in args.jobs.split(",")]
    out = Path(args.out)
    cores = len(os.sched_getaffinity(0))
    print(f"jobs sweep: {args.provider}, {cores} cores, filter {args.filter or '(all cases)'}", flush=True)
    boot(args.provider)
    warm = one_run(args.provider, max(counts), out, args.filter)
    print(f"warm-up ({warm['jobs']} jobs, teaches the durations): {warm['wall_s']} s", flush=True)
    print(f"{'jobs':>5} {'/core':>5} {'wall s':>7} {'case sum s':>10} {'longest s':>9} {'median ms':>9} "
          f"{'not pass':>8} {'load':>5}", flush=True)
    rows = []
    for jobs in counts:
        best = min((one_run(args.provider, jobs, out, args.filter) for _ in range(args.repeat)),
                   key=lambda row: row["wall_s"])
        rows.append(best)
        print(f"{jobs:>5} {jobs / cores:>5.1f} {best['wall_s']:>7.2f} {best['case_sum_s']:>10.2f} "
              f"{best['longest_case_s']:>9.2f} {best['median_case_ms']:>9.2f} {best['not_pass']:>8} "
              f"{best['load_before']:>5.2f}", flush=True)
    fastest = min(row["wall_s"] for row in rows)
    chosen = min((row for row in rows if row["wall_s"] <= fastest * WITHIN_BEST), key=lambda row: row["jobs"])
    print(f"smallest job count within {round((WITHIN_BEST - 1) * 100)} % of the best wall time: "
          f"{chosen['jobs']} ({chosen['jobs'] / cores:g} per core)")
    out.mkdir(parents=True, exist_ok=True)
    result = {"provider": args.provider, "cores": cores, "filter": args.filter, "rows": rows,
              "chosen_jobs": chosen["jobs"], "chosen_per_core": chosen["jobs"] / cores}
    (ROOT / "out" / "bench").mkdir(parents=True, exist_ok=True)
    (ROOT / "out" / "bench" / f"jobs-{args.provider}.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

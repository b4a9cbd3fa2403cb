#!/usr/bin/env python3
"""How far the suite runs from its floor, for the mock and for Wine; the kill matrix and the chaos seeds timed.

For each provider, one `wsaconform run` of every case with the default job
count, and from that same run:

    wall          the command's wall time (listing the cases included)
    case mean     summed case durations / cases: the average cost of a case
    floor         the median duration of the floor case (below), measured in the same run
    mean / floor  how many floors an average case costs

The floor is what any case must pay: a connected loopback pair plus one
overlapped transfer indicated to the case. It is measured on existing cases,
Transfer/ReceiveIndication.ImmediateCompletionAlreadyIndicated over TCP/IPv4
(its 8 mechanism x call instances): that body makes the pair, sends 64 bytes
from the peer, posts one overlapped receive and collects its indication, and
does nothing else (no quiet window, no deadline it must wait out). A runner
case of its own would measure the same thing and add a case to the suite.

Then, on the mock, the complete kill matrix (every case of each mutant's
statement, to the end) and the clean mock under chaos seeds 1..20, each timed.

Targets (issue 12; printed, never asserted): full mock suite <= 3 s on 2 cores,
full Wine suite <= 20 s, case mean <= 3 x floor, 20 chaos seeds + complete
kill matrix < 2 min on the mock.

    bench/suite.py [--provider mock|winsock ...] [--no-killmatrix] [--seeds N]

Writes out/bench/suite.json. The first run of a provider teaches the
durations file (shards are packed by it); it is done once and reported.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import statistics
import sys
import time
from pathlib import Path

from benchlib import MINGW_RUNNER, NATIVE_RUNNER, ROOT, boot, timed_run

sys.path.insert(0, str(ROOT / "reports"))
from wsaconform import killmatrix  # noqa: E402
from wsaconform.orchestrate import DURATIONS_FILE, default_jobs  # noqa: E402

FLOOR_CASES = "Transfer/ReceiveIndication.ImmediateCompletionAlreadyIndicated/Tcp4*"
TARGET_WALL_S = {"mock": 3.0, "winsock": 20.0}
TARGET_MEAN_OVER_FLOOR = 3.0
TARGET_KILL_AND_CHAOS_S = 120.0


def cores() -> int:
    return len(os.sched_getaffinity(0))


def suite_row(provider: str, out: Path) -> dict:
    jobs = default_jobs(provider, cores())
    row: dict = {"provider": provider, "jobs": jobs, "cores": cores()}
    if not (out / provider / DURATIONS_FILE).is_file():
        row["warm_up_wall_s"], _ = timed_run(provider, jobs, out)
        print(f"{provider}: warm-up run (no durations known yet, shards split evenly): "
              f"{row['warm_up_wall_s']:.1f} s", flush=True)
    wall, records = timed_run(provider, jobs, out)
    durations = [r["duration_ms"] for r in records]
    floor = [r["duration_ms"] for r in records if fnmatch.fnmatchcase(r["id"], FLOOR_CASES)]
    row.update(wall_s=round(wall, 2), cases=len(records), case_sum_s=round(sum(durations) / 1000, 2),
               case_mean_ms=round(statistics.fmean(durations), 3), longest_case_s=round(max(durations) / 1000, 2),
               floor_ms=round(statistics.median(floor), 3) if floor else None, floor_instances=len(floor),
               not_pass=sum(r["verdict"] not in ("PASS", "NOT_SUPPORTED") for r in records),
               load_before=round(os.getloadavg()[0], 2))
    row["mean_over_floor"] = round(row["case_mean_ms"] / row["floor_ms"], 1) if row["floor_ms"] else None
    row["wall_over_floor"] = round(wall * 1000 / (row["floor_ms"] * len(records)), 2) if row["floor_ms"] else None
    print(f"{provider}: {row['cases']} cases in {row['wall_s']:.1f} s wall with {jobs} jobs on {row['cores']} cores "
          f"(target <= {TARGET_WALL_S.get(provider, float('nan')):g} s); summed case time {row['case_sum_s']:.1f} s, "
          f"longest case {row['longest_case_s']:.2f} s, {row['not_pass']} not PASS", flush=True)
    print(f"{provider}: case mean {row['case_mean_ms']:.2f} ms, floor {row['floor_ms']} ms "
          f"(median of {row['floor_instances']} instances of {FLOOR_CASES}); case mean / floor "
          f"{row['mean_over_floor']} (target <= {TARGET_MEAN_OVER_FLOOR:g}); wall / (cases x floor) "
          f"{row['wall_over_floor']}", flush=True)
    return row


def kill_and_chaos(seeds: int) -> dict:
    runner = [str(NATIVE_RUNNER)]
    jobs = default_jobs("mock", cores())
    started = time.monotonic()
    outcomes = killmatrix.kill_matrix(runner, "mock", jobs, complete=True)
    matrix_s = time.monotonic() - started
    # A legal mutant is meant to survive (harmless); only a breaking one that
    # survived counts.
    survived = sum(o.verdict != "killed" for o in outcomes if not o.legal)
    harmful_legal = sum(o.verdict != "harmless" for o in outcomes if o.legal)
    print(f"kill matrix (complete, {len(outcomes)} mutants, {jobs} jobs): {matrix_s:.1f} s, {survived} survived, "
          f"{harmful_legal} legal mutant(s) not harmless", flush=True)
    started = time.monotonic()
    runs = killmatrix.chaos_runs(runner, list(range(1, seeds + 1)), jobs)
    failures = {s: bad for s, bad in killmatrix.chaos_failures(runs).items() if bad}
    chaos_s = time.monotonic() - started
    print(f"chaos seeds 1..{seeds} ({jobs} jobs): {chaos_s:.1f} s, {len(failures)} seeds with a case not passing",
          flush=True)
    total = matrix_s + chaos_s
    print(f"kill matrix + chaos: {total:.1f} s (target < {TARGET_KILL_AND_CHAOS_S:g} s)", flush=True)
    return {"jobs": jobs, "kill_matrix_s": round(matrix_s, 1), "mutants": len(outcomes), "survived": survived,
            "chaos_seeds": seeds, "chaos_s": round(chaos_s, 1), "chaos_seeds_failing": len(failures),
            "total_s": round(total, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", action="append", choices=("mock", "winsock"),
                        help="default: mock, and winsock when the mingw build is there")
    parser.add_argument("--no-killmatrix", action="store_true", help="skip the kill matrix and the chaos seeds")
    parser.add_argument("--seeds", type=int, default=20, help="chaos seeds to time (default 20)")
    parser.add_argument("--out", default=str(ROOT / "out" / "bench" / "suite"))
    args = parser.parse_args()
    providers = args.provider or ["mock"] + (["winsock"] if MINGW_RUNNER.is_file() else [])
    for provider in providers:
        path = NATIVE_RUNNER if provider == "mock" else MINGW_RUNNER
        if not path.is_file():
            sys.exit(f"bench: {path} is not built (cmake --preset {'native' if provider == 'mock' else 'mingw'} "
                     f"&& cmake --build build/{'native' if provider == 'mock' else 'mingw'} --target wsaconform-runner)")
    out = Path(args.out)
    if "winsock" in providers:
        boot("winsock")
    result = {"suite": [suite_row(provider, out) for provider in providers]}
    if not args.no_killmatrix:
        result["kill_and_chaos"] = kill_and_chaos(args.seeds)
    (ROOT / "out" / "bench").mkdir(parents=True, exist_ok=True)
    (ROOT / "out" / "bench" / "suite.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

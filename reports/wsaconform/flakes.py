"""wsaconform flakes: run the suite many times, shuffled, and list every case whose outcome changed.

Each run draws a new random split of the cases into shards and a new
GoogleTest shuffle seed for the order inside each runner, so a case meets
other neighbours, other timing and (with --load) a machine whose every core is
busy. A case whose verdict or deviation signature differs between two runs is
listed with every observation it had. A flaky case is a defect of the suite
until shown otherwise: the gate can only be trusted if the same provider gives
the same answer every time.

The deviation signature of a result is its verdict and, per statement, the
violated checks with their observed and expected values. Which permitted
branch a case took (a call that completed at once or pended) may change from
run to run; that is counted, not reported as a change.

Everything a run drew comes from --seed, which is printed: the same seed,
cases and --jobs replay the same splits and orders.

    out/flakes/<provider>/runNN/results.jsonl   each run's results
    out/flakes/<provider>/runNN/shards/         its runners' case lists, results and logs
    out/flakes/flakes.json                      the seed, each run's draw, every change

Exit status: 0 nothing changed, 1 some case changed, 2 usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import env
from .errors import UsageError
from .orchestrate import DURATIONS_FILE, RunnerError, Settings, default_jobs, interrupts_deferred, list_cases
from .orchestrate import query, random_split, requirement_texts, run_provider, select
from .progress import Progress
from .results import LATE_CHECK, fold_records
from .runcmd import Runners, _late_indications as late_indications, _positive_int

EXIT_CHANGED = 1
EXIT_INTERRUPTED = 130
GTEST_MAX_SEED = 99999


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Run the suite N times in shuffled order with random shard splits; list every case "
                          "whose verdict or deviation signature changed. Exit 1 if any did.")
    parser.add_argument("--repeat", type=_positive_int, required=True, metavar="N", help="runs per provider")
    parser.add_argument("--provider", action="append", default=[], metavar="P",
                        help="provider to run (repeatable, or comma-separated; default: all this machine has)")
    parser.add_argument("--load", action="store_true",
                        help="keep every core busy with a spinning process while the runs go on")
    parser.add_argument("--filter", metavar="F", help="GoogleTest-style filter on case ids, e.g. 'Transfer/*'")
    parser.add_argument("--jobs", "-j", type=_positive_int, metavar="J",
                        help="runner processes per run (default: the measured default of each provider)")
    parser.add_argument("--seed", type=_positive_int, metavar="S",
                        help="replay the splits and orders of an earlier hunt (default: a fresh random seed)")
    parser.add_argument("--out", default=str(Path("out") / "flakes"), metavar="DIR",
                        help="output directory (default: out/flakes)")
    parser.add_argument("--timeout", type=_positive_int, default=10, metavar="S",
                        help="per-case deadline in seconds, enforced by the runner (default 10)")
    parser.add_argument("--guard", type=float, metavar="S",
                        help="kill a runner that writes no result for S seconds (default 3 x timeout + 30)")
    parser.add_argument("--runner", default=os.environ.get("WSAC_RUNNER"), metavar="CMD",
                        help="use this runner command instead of building (default: $WSAC_RUNNER)")
    parser.add_argument("--no-build", action="store_true", help="use the runners already built")


# ---- what a run drew, and what a case showed ----------------------------------


def draw(seed: int, provider: str, run: int) -> random.Random:
    """The random source of one run: the same for the same seed, provider and run number."""
    return random.Random(f"wsaconform-flakes/{seed}/{provider}/{run}")


@dataclass(frozen=True)
class Observation:
    verdict: str
    violations: tuple[tuple[str, str, str, str, str], ...]  # (statement, check, where, observed, expected), sorted
    message: str

    @property
    def signature(self) -> tuple:
        return self.verdict, self.violations

    def as_dict(self) -> dict:
        return {"verdict": self.verdict, "message": self.message,
                "violations": [dict(zip(("statement", "check", "where", "observed", "expected"), v))
                               for v in self.violations]}


def observe(record: dict) -> Observation:
    violations = []
    checks = record.get("checks")
    for statement, result in (checks.items() if isinstance(checks, dict) else ()):
        for v in (result.get("violations") or []) if isinstance(result, dict) else ():
            if not isinstance(v, dict):
                continue
            check, where, observed, expected = (str(v.get(k, "")) for k in ("check", "where", "observed", "expected"))
            if check.startswith(LATE_CHECK):
                # "detected in" names whichever case ran next: a shuffle changes it, the deviation stays.
                where = ""
            violations.append((statement, check, where, observed, expected))
    return Observation(str(record.get("verdict", "?")), tuple(sorted(violations)), str(record.get("message", "")))


def branches(record: dict) -> tuple[str, ...]:
    """The statements a case exercised: which permitted branch it took."""
    checks = record.get("checks")
    if not isinstance(checks, dict):
        return ()
    return tuple(sorted(s for s, c in checks.items() if isinstance(c, dict) and c.get("exercised")))


@dataclass
class Change:
    provider: str
    case: str
    # one entry per distinct signature: the runs that saw it and what they saw
    observations: list[tuple[list[int], Observation]]

    def as_dict(self) -> dict:
        return {"provider": self.provider, "case": self.case,
                "observations": [{"runs": runs, **obs.as_dict()} for runs, obs in self.observations]}


def compare(provider: str, runs: list[list[dict]]) -> tuple[list[Change], list[str]]:
    """Cases whose signature differs between runs, and cases that only took other branches.

    runs[i] holds run i+1's records; a case missing from a run (interrupted)
    counts only where it finished.
    """
    seen: dict[str, dict[tuple, tuple[list[int], Observation]]] = {}
    taken: dict[str, set[tuple[str, ...]]] = {}
    for number, records in enumerate(runs, 1):
        for record in records:
            case, obs = record.get("id"), observe(record)
            runs_of = seen.setdefault(case, {}).setdefault(obs.signature, ([], obs))[0]
            runs_of.append(number)
            taken.setdefault(case, set()).add(branches(record))
    changes = [Change(provider, case, sorted(by_sig.values(), key=lambda entry: entry[0]))
               for case, by_sig in seen.items() if len(by_sig) > 1]
    other_branches = [case for case, options in taken.items() if len(options) > 1 and len(seen[case]) == 1]
    return changes, other_branches


def describe(change: Change, total_runs: int) -> list[str]:
    lines = [f"CHANGED {change.provider} {change.case}"]
    for runs, obs in change.observations:
        message = obs.message.splitlines()[0][:200] if obs.message else ""
        lines.append(f"  runs {' '.join(map(str, runs))} ({len(runs)} of {total_runs}): {obs.verdict}"
                     + (f": {message}" if message else ""))
        for statement, check, where, observed, expected in obs.violations:
            lines.append(f"      {statement} violated {check} at {where}: observed {observed!r}, expected {expected!r}")
    return lines


# ---- busy cores ---------------------------------------------------------------------


class BusyCores:
    """One spinning process per core, for as long as the with-block lasts."""

    def __init__(self, enabled: bool, label: str):
        self._enabled = enabled
        self._label = label  # in each process's command line, so ps shows whose it is
        self._procs: list[subprocess.Popen] = []

    def __enter__(self):
        if self._enabled:
            for _ in range(env.cpu_count()):
                self._procs.append(subprocess.Popen(
                    [sys.executable, "-c", "while True: pass", self._label], stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        return self

    def __exit__(self, *exc):
        for proc in self._procs:
            proc.kill()
            proc.wait()
        self._procs.clear()
        return False


# ---- the command -----------------------------------------------------------------------


def run(args) -> int:
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 1 << 31)
    print(f"flakes: seed {seed}", flush=True)
    requested = [p for value in args.provider for p in value.split(",") if p]
    out = Path(args.out)
    runners = Runners(args)
    hunt = {"seed": seed, "repeat": args.repeat, "load": args.load, "filter": args.filter, "providers": {}}
    changes: list[Change] = []
    interrupted = False
    try:
        chosen = runners.resolve(requested)
        with BusyCores(args.load, f"wsaconform flakes --load: busy core for {out}"):
            for provider in chosen:
                found, interrupted = _hunt(provider, runners.for_provider(provider), args, seed, out, hunt)
                changes += found
                if interrupted:
                    break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        runners.close()
    with interrupts_deferred():
        return _finish(changes, hunt, out, interrupted)


def _hunt(provider: str, runner, args, seed: int, out: Path, hunt: dict) -> tuple[list[Change], bool]:
    try:
        listing = list_cases(runner, provider)
        requirements = requirement_texts(query(runner, "--requirements"))
    except RunnerError as err:
        raise UsageError(f"{provider}: {err}") from None
    cases = select(listing.cases, args.filter)
    if not cases:
        raise UsageError(f"{provider}: no case matches --filter {args.filter!r}")
    jobs = args.jobs or default_jobs(provider, env.cpu_count())
    provider_dir = out / provider
    _clear_previous(provider_dir)
    guard = args.guard if args.guard is not None else 3 * args.timeout + 30
    replay = ["wsaconform", "flakes", "--provider", provider, "--repeat", str(args.repeat), "--seed", str(seed),
              "--jobs", str(jobs)] + (["--filter", args.filter] if args.filter else []) + (["--load"] if args.load else [])
    print(f"flakes: {provider}: {len(cases)} cases, {args.repeat} runs of {jobs} shards; "
          f"replay: {shlex.join(replay)}", flush=True)
    info = hunt["providers"][provider] = {"jobs": jobs, "cases": len(cases), "runs": []}
    runs: list[list[dict]] = []
    interrupted = False
    for number in range(1, args.repeat + 1):
        rng = draw(seed, provider, number)
        plan = random_split(cases, jobs, rng)
        shuffle_seed = rng.randint(1, GTEST_MAX_SEED)
        settings = Settings(provider=provider, jobs=jobs, case_timeout=args.timeout, guard=guard,
                            shuffle_seed=shuffle_seed)
        run_dir = provider_dir / f"run{number:02d}"
        progress = Progress(f"{provider} run {number}/{args.repeat}", len(cases), each_case=False)
        try:
            result = run_provider(runner, settings, listing, cases, run_dir / "shards", progress, requirements,
                                  plan=plan, durations_file=provider_dir / DURATIONS_FILE)
        except RunnerError as err:
            raise UsageError(f"{provider}: {err}") from None
        progress.close()
        for note in result.notes:
            progress.note(note)
        late = late_indications(result.attempts)
        lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in result.records + late)
        (run_dir / "results.jsonl").write_text(lines, encoding="utf-8")
        info["runs"].append({"run": number, "gtest_random_seed": shuffle_seed,
                             "shards": [[case["id"] for case in shard] for shard in plan],
                             "finished": len(result.records), "interrupted": result.interrupted,
                             "notes": result.notes})
        # A late indication is a violated check of the case that started the operation.
        runs.append(fold_records(copy.deepcopy(result.records) + late))
        if result.interrupted:
            interrupted = True
            break
    changes, other_branches = compare(provider, runs)
    info["other_branches"] = other_branches
    info["changed"] = len(changes)
    for change in changes:
        print("\n".join(describe(change, len(runs))), flush=True)
    print(f"flakes: {provider}: {len(changes)} of {len(cases)} cases changed over {len(runs)} runs"
          + (f"; {len(other_branches)} took other permitted branches in some runs (not a change)"
             if other_branches else ""), flush=True)
    return changes, interrupted


def _clear_previous(provider_dir: Path) -> None:
    # Shard files append; an earlier hunt's would mix with this one's.
    if provider_dir.is_dir():
        for stale in provider_dir.iterdir():
            if stale.is_dir() and re.fullmatch(r"run\d+", stale.name):
                shutil.rmtree(stale)


def _finish(changes: list[Change], hunt: dict, out: Path, interrupted: bool) -> int:
    hunt["changes"] = [change.as_dict() for change in changes]
    hunt["interrupted"] = interrupted
    out.mkdir(parents=True, exist_ok=True)
    (out / "flakes.json").write_text(json.dumps(hunt, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"flakes: {len(changes)} changed case(s); seed {hunt['seed']}; details: {out / 'flakes.json'}", flush=True)
    if interrupted:
        print("flakes: interrupted; compared the runs that finished", flush=True)
        return EXIT_INTERRUPTED
    return EXIT_CHANGED if changes else 0

"""The kill matrix and the chaos check: the suite tested in both directions.

Kill matrix: every mutant breaks one statement; running the cases against it
must make a case tagged with that statement fail. A mutant killed only by
cases of other statements survives for its own statement.

Chaos check: the clean mock under many seeds takes every choice the
statements permit; every case must still pass, or the suite demands more
than the spec.

Both read only the runner's JSON (--list, --list-mutants, --results).
"""

from __future__ import annotations

import fnmatch
import json
import shlex
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError

# Verdicts that show a case noticed the mutant. BROKEN does not: the case
# never reached its check.
KILLING_VERDICTS = {"FAIL", "TIMEOUT", "CRASH"}
RUNNER_TIMEOUT_EXIT = 3


@dataclass
class MutantOutcome:
    mutant: str
    statement: str
    description: str
    verdict: str  # "killed" or "survived"
    killing_cases: list[str] = field(default_factory=list)
    killed_by_own_statement: bool = False
    cases_run: int = 0
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "mutant": self.mutant,
            "statement": self.statement,
            "description": self.description,
            "verdict": self.verdict,
            "killing_cases": self.killing_cases,
            "killed_by_own_statement": self.killed_by_own_statement,
            "cases_run": self.cases_run,
            "note": self.note,
        }


def default_runner(root: Path) -> list[str]:
    env = os.environ.get("WSAC_RUNNER")
    if env:
        return [env]
    return [str(root / "build" / "native" / "runner" / "wsaconform-runner")]


def _json_from(cmd: list[str]):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise UsageError(f"runner not found: {cmd[0]} (build it first: ./wsaconform test, or cmake --preset native)")
    if out.returncode != 0:
        raise UsageError(f"{' '.join(cmd)} exited {out.returncode}: {out.stderr.strip()[:200]}")
    return json.loads(out.stdout)


def list_cases(runner: list[str]) -> list[dict]:
    return _json_from(runner + ["--list"])["cases"]


def list_mutants(runner: list[str]) -> list[dict]:
    return _json_from(runner + ["--list-mutants"])


def run_cases(runner: list[str], case_ids: list[str], extra: list[str], workdir: Path,
              stop_when=None) -> dict[str, dict]:
    """Runs exactly case_ids; a crash or timeout ends only the case it hit.

    Returns case id -> result line. A case the runner never reported (crash)
    is recorded as CRASH and the rest resume in a new process. With
    stop_when, the run ends as soon as a result line satisfies it (a mutant
    needs one killing case, not all of them).
    """
    results: dict[str, dict] = {}
    remaining = list(case_ids)
    attempt = 0
    while remaining:
        attempt += 1
        case_list = workdir / f"cases-{attempt}.txt"
        results_file = workdir / f"results-{attempt}.jsonl"
        case_list.write_text("\n".join(remaining) + "\n")
        results_file.touch()
        stderr_file = workdir / f"stderr-{attempt}.txt"
        with open(stderr_file, "w") as err, open(results_file) as stream:
            proc = subprocess.Popen(runner + extra + [f"--case-list={case_list}", f"--results={results_file}"],
                                    stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
            stopped = False
            pending = ""
            while True:
                returncode = proc.poll()
                pending += stream.read()
                *lines, pending = pending.split("\n")
                for line in lines:
                    if line.strip():
                        rec = json.loads(line)
                        results[rec["id"]] = rec
                        stopped = stopped or bool(stop_when and stop_when(rec))
                if stopped and returncode is None:
                    proc.kill()
                    proc.wait()
                    return results
                if returncode is not None:
                    break
                time.sleep(0.05)
        if stopped:
            return results
        if returncode == 2:
            first = stderr_file.read_text().strip().splitlines()
            raise UsageError(f"runner refused {' '.join(extra)}: {first[0] if first else ''}")
        remaining = [c for c in remaining if c not in results]
        if remaining and returncode not in (0, 1, RUNNER_TIMEOUT_EXIT):
            # The runner died inside the first case it had not reported.
            crashed = remaining.pop(0)
            results[crashed] = {"id": crashed, "verdict": "CRASH",
                                "message": f"runner exited with status {returncode}"}
        elif remaining and returncode in (0, 1):
            # A clean exit that skipped cases would loop forever; say so.
            for c in remaining:
                results[c] = {"id": c, "verdict": "BROKEN", "message": "runner finished without running this case"}
            remaining = []
    return results


def judge_mutant(mutant: dict, cases: list[dict], results: dict[str, dict]) -> MutantOutcome:
    tags = {c["id"]: c["statements"] for c in cases}
    killing = sorted(cid for cid, r in results.items() if r.get("verdict") in KILLING_VERDICTS)
    own = [cid for cid in killing if mutant["statement"] in tags.get(cid, [])]
    outcome = MutantOutcome(
        mutant=mutant["name"], statement=mutant["statement"], description=mutant.get("description", ""),
        verdict="killed" if own else "survived", killing_cases=killing, killed_by_own_statement=bool(own),
        cases_run=len(results))
    if not own:
        outcome.note = ("killed only by cases of other statements" if killing
                        else "no case failed")
    return outcome


def kill_one(runner: list[str], mutant: dict, cases: list[dict], provider: str, all_cases: bool,
             exclude: set[str]) -> MutantOutcome:
    """Without all_cases only the target statement's cases run, and only until
    the first of them fails: enough to decide killed or survived."""
    chosen = [c["id"] for c in cases
              if not any(fnmatch.fnmatchcase(c["id"], pattern) for pattern in exclude)
              and (all_cases or mutant["statement"] in c["statements"])]
    if not chosen:
        return MutantOutcome(mutant["name"], mutant["statement"], mutant.get("description", ""), "survived",
                             note=f"no case tagged with {mutant['statement']} was run")
    with tempfile.TemporaryDirectory(prefix="wsac-kill-") as tmp:
        stop = None if all_cases else (lambda rec: rec.get("verdict") in KILLING_VERDICTS)
        results = run_cases(runner, chosen, [f"--provider={provider}", f"--mutant={mutant['name']}"], Path(tmp),
                            stop_when=stop)
    return judge_mutant(mutant, cases, results)


def kill_matrix(runner: list[str], provider: str = "mock", jobs: int = 2, all_cases: bool = False,
                only: list[str] | None = None, exclude: set[str] | None = None,
                wrappers_only: bool = False, complete: bool = False) -> list[MutantOutcome]:
    cases = list_cases(runner)
    mutants = list_mutants(runner)
    if only:
        unknown = set(only) - {m["name"] for m in mutants}
        if unknown:
            raise UsageError(f"unknown mutant(s): {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m["name"] in only]
    if wrappers_only:
        mutants = [m for m in mutants if m.get("wrapper", True)]
    exclude = set(exclude or set())
    if provider != "mock":
        # A real provider may already fail some cases; a case that fails
        # without any mutant shows nothing about one. (The mock must pass
        # every case clean, which the conformance and chaos tests demand.)
        exclude |= baseline_failures(runner, provider, cases, mutants, all_cases, jobs)
    if all_cases or complete:
        return _full_matrix(runner, mutants, cases, provider, exclude, jobs, all_cases)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(kill_one, runner, m, cases, provider, all_cases, exclude) for m in mutants]
        return [f.result() for f in futures]


# The full matrix splits each mutant's cases into shards, so the few mutants
# whose cases all wait out their deadlines do not leave the other jobs idle.
SHARDS_PER_MUTANT = 8


def _full_matrix(runner: list[str], mutants: list[dict], cases: list[dict], provider: str, exclude: set[str],
                 jobs: int, all_cases: bool) -> list[MutantOutcome]:
    """Every chosen case of every mutant, to the end: complete killing-case lists."""
    kept = [c for c in cases if not any(fnmatch.fnmatchcase(c["id"], p) for p in exclude)]

    def shards_of(mutant: dict) -> list[list[str]]:
        ids = [c["id"] for c in kept if all_cases or mutant["statement"] in c["statements"]]
        return [ids[i::SHARDS_PER_MUTANT] for i in range(SHARDS_PER_MUTANT)]

    def one(mutant: dict, shard: list[str]) -> dict[str, dict]:
        if not shard:
            return {}
        with tempfile.TemporaryDirectory(prefix="wsac-kill-") as tmp:
            return run_cases(runner, shard, [f"--provider={provider}", f"--mutant={mutant['name']}"], Path(tmp))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [(m, pool.submit(one, m, shard)) for m in mutants for shard in shards_of(m)]
        merged: dict[str, dict[str, dict]] = {m["name"]: {} for m in mutants}
        for m, future in futures:
            merged[m["name"]].update(future.result())
    return [judge_mutant(m, cases, merged[m["name"]]) for m in mutants]


def baseline_failures(runner: list[str], provider: str, cases: list[dict], mutants: list[dict], all_cases: bool,
                      jobs: int) -> set[str]:
    """Ids of the cases the mutants would run that already fail on the clean provider."""
    targets = {m["statement"] for m in mutants}
    ids = [c["id"] for c in cases if all_cases or targets & set(c["statements"])]
    shards = [ids[i::max(1, jobs)] for i in range(max(1, jobs))]

    def one(shard: list[str]) -> set[str]:
        if not shard:
            return set()
        with tempfile.TemporaryDirectory(prefix="wsac-base-") as tmp:
            results = run_cases(runner, shard, [f"--provider={provider}"], Path(tmp))
        return {cid for cid, r in results.items() if r.get("verdict") in KILLING_VERDICTS}

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return set().union(*pool.map(one, shards))


def chaos_check(runner: list[str], seeds: list[int], jobs: int = 2) -> dict[int, list[str]]:
    """Seed -> ids of cases that did not pass on the clean mock with that seed."""
    cases = [c["id"] for c in list_cases(runner)]

    def one(seed: int) -> tuple[int, list[str]]:
        with tempfile.TemporaryDirectory(prefix="wsac-chaos-") as tmp:
            results = run_cases(runner, cases, ["--provider=mock", f"--chaos-seed={seed}"], Path(tmp))
        # NOT_SUPPORTED is a capability the mock lacks (or a probe that found a
        # permitted choice made the check moot), not a demand beyond the spec.
        bad = sorted(cid for cid, r in results.items() if r.get("verdict") not in ("PASS", "NOT_SUPPORTED"))
        return seed, [f"{cid} ({results[cid].get('verdict')}: {results[cid].get('message', '')[:160]})" for cid in bad]

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(pool.map(one, seeds))


def render_markdown(outcomes: list[MutantOutcome]) -> str:
    lines = ["| mutant | statement | verdict | killing cases |", "|---|---|---|---|"]
    for o in outcomes:
        shown = ", ".join(o.killing_cases[:3]) + (f" (+{len(o.killing_cases) - 3})" if len(o.killing_cases) > 3 else "")
        lines.append(f"| {o.mutant} | {o.statement} | {o.verdict} | {shown or o.note} |")
    return "\n".join(lines) + "\n"


# ---- command line ----------------------------------------------------------

def add_arguments(parser) -> None:
    parser.add_argument("--runner", help="runner command, shell-quoted (default: build/native/runner/wsaconform-runner;\n"
                        "for Wine: 'sh cmake/wine-run.sh --default-prefix=$PWD/build/mingw/wineprefix build/mingw/runner/wsaconform-runner.exe')")
    parser.add_argument("--provider", default="mock", help="provider the mutants wrap (default mock)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--all-cases", action="store_true",
                        help="run every case against every mutant (full matrix) instead of the target's cases")
    parser.add_argument("--complete", action="store_true",
                        help="run every case of each mutant's statement to the end (complete killing-case lists) "
                             "instead of stopping at the first killing case")
    parser.add_argument("--mutant", action="append", default=[], help="only this mutant (repeatable)")
    parser.add_argument("--exclude-case", action="append", default=[],
                        help="leave out the cases whose id matches this glob (to show a mutant surviving)")
    parser.add_argument("--wrappers-only", action="store_true", help="skip the mock's model switches")
    parser.add_argument("--chaos-seeds", type=int, default=0,
                        help="also run the clean mock under seeds 1..N and require every case to pass")
    parser.add_argument("--out", help="write the matrix as JSON here")


def run(args) -> int:
    root = Path(__file__).resolve().parents[2]
    runner = shlex.split(args.runner) if args.runner else default_runner(root)
    outcomes = kill_matrix(runner, args.provider, args.jobs, args.all_cases, args.mutant or None,
                           set(args.exclude_case), args.wrappers_only, args.complete)
    survived = [o for o in outcomes if o.verdict != "killed"]
    for o in outcomes:
        first = o.killing_cases[0] if o.killing_cases else o.note
        print(f"{o.verdict:8} {o.mutant:40} {o.statement:9} {first}")
    print(f"kill matrix: {len(outcomes) - len(survived)} killed, {len(survived)} survived "
          f"of {len(outcomes)} mutants against {args.provider}")
    chaos_failures = {}
    if args.chaos_seeds:
        chaos_failures = {s: bad for s, bad in chaos_check(runner, list(range(1, args.chaos_seeds + 1)),
                                                          args.jobs).items() if bad}
        for seed, bad in sorted(chaos_failures.items()):
            for line in bad:
                print(f"chaos seed {seed}: {line}")
        print(f"chaos: {args.chaos_seeds - len(chaos_failures)} of {args.chaos_seeds} seeds clean")
    if args.out:
        data = {"kill_matrix": [o.as_dict() for o in outcomes],
                "chaos": {str(k): v for k, v in chaos_failures.items()}}
        tmp = Path(args.out).with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, args.out)
    return 1 if survived or chaos_failures else 0

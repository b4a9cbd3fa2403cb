"""The kill matrix and the chaos check: the suite tested in both directions.

Kill matrix: every mutant breaks one statement; running the cases against it
must make a check of that statement fail. A case FAIL is not enough: a
mutant whose cases fail only on other statements' checks, or that only makes
a case hang or crash, survives for its own statement. The outcome names the
case and the check that killed it.

Chaos check: the clean mock under many seeds takes every choice the
statements permit; every case must still pass, or the suite demands more
than the spec. Chaos coverage: over the same seeds, per statement, how many
instances exercised it and why the others did not; a MUST statement the
mock never exercised in any seed is a gap (mock_unexercisable.json lists,
with reasons, the few the mock cannot exercise at all).

Legal mutants break no statement: they take a choice the statements permit
(always-pends reports every immediate success as pending, as a layered
provider that is not IFS does). Every case must pass against them, or the
suite demands more than the spec; the statements they leave unexercised must
come out UNEXERCISED, never CONFORMS. Their verdict is "harmless" or
"rejected".

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
from .results import fold_late_indication
from .verdicts import natural_key, tally

# Verdicts of a case that did not pass on a clean real provider (such a
# case shows nothing about a mutant). BROKEN does not count: it never
# reached its checks.
KILLING_VERDICTS = {"FAIL", "TIMEOUT", "CRASH"}
RUNNER_TIMEOUT_EXIT = 3


def own_violations(record: dict, statement: str) -> list[dict]:
    """The violated checks of `statement` in one result line of a case that claims it."""
    checks = (record.get("checks") or {}).get(statement) or {}
    if not checks.get("violated", 0) or statement not in record.get("statements", [statement]):
        return []
    return checks.get("violations") or [{"check": "(violation not kept)", "where": "", "message": "",
                                         "observed": "", "expected": ""}]


def kills(statement: str):
    """stop_when for a mutant of `statement`: a check of it was violated."""
    return lambda record: bool(own_violations(record, statement))


@dataclass
class MutantOutcome:
    mutant: str
    statement: str
    description: str
    verdict: str  # "killed" or "survived"; a legal mutant: "harmless" or "rejected"
    # Cases in which a check of the mutant's statement was violated.
    killing_cases: list[str] = field(default_factory=list)
    killed_by_own_statement: bool = False
    cases_run: int = 0
    note: str = ""
    # The first violated check of the statement in each killing case:
    # {"case", "check", "where", "message", "observed", "expected"}.
    killed_by: list[dict] = field(default_factory=list)
    # Cases that failed, hung or crashed without a violated check of the statement.
    other_failures: list[str] = field(default_factory=list)
    legal: bool = False
    # A legal mutant: statement -> instances that exercised it (of those
    # claiming it), for the statements it says it leaves unexercised.
    unexercised: dict[str, dict] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """What the matrix wants: a mutant killed, a legal one harmless."""
        return self.verdict in ("killed", "harmless")

    def as_dict(self) -> dict:
        return {
            "mutant": self.mutant,
            "statement": self.statement,
            "description": self.description,
            "verdict": self.verdict,
            "killing_cases": self.killing_cases,
            "killed_by_own_statement": self.killed_by_own_statement,
            "killed_by": self.killed_by,
            "other_failures": self.other_failures,
            "cases_run": self.cases_run,
            "note": self.note,
            "legal": self.legal,
            "unexercised": self.unexercised,
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
    late: list[dict] = []  # late indications whose case has not been seen yet
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
                        if rec.get("record", "case") == "late_indication":
                            if rec.get("case") in results:
                                fold_late_indication(results[rec["case"]], rec)
                                rec = results[rec["case"]]
                            else:
                                late.append(rec)
                                continue
                        else:
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
            return _fold_rest(results, late)
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
    return _fold_rest(results, late)


def _fold_rest(results: dict[str, dict], late: list[dict]) -> dict[str, dict]:
    """Late indications that came before their case's line (or for a case not run here)."""
    for rec in late:
        case = results.setdefault(rec["case"], {"id": rec["case"], "verdict": "PASS", "statements": [],
                                                "message": "no result line for this case"})
        fold_late_indication(case, rec)
    return results


def judge_mutant(mutant: dict, results: dict[str, dict]) -> MutantOutcome:
    """Killed when a check of the mutant's own statement was violated in a case that claims it."""
    statement = mutant["statement"]
    killed_by = []
    for cid in sorted(results, key=natural_key):
        violations = own_violations(results[cid], statement)
        if violations:
            v = violations[0]
            killed_by.append({"case": cid, **{k: v.get(k, "") for k in ("check", "where", "message", "observed",
                                                                          "expected")}})
    killing = [k["case"] for k in killed_by]
    others = sorted((cid for cid, r in results.items()
                     if r.get("verdict") in KILLING_VERDICTS and cid not in killing), key=natural_key)
    outcome = MutantOutcome(
        mutant=mutant["name"], statement=statement, description=mutant.get("description", ""),
        verdict="killed" if killing else "survived", killing_cases=killing, killed_by_own_statement=bool(killing),
        cases_run=len(results), killed_by=killed_by, other_failures=others)
    if not killing:
        outcome.note = (f"no check of {statement} was violated; {len(others)} case(s) failed, hung or crashed "
                        f"otherwise (first: {others[0]})" if others else f"no check of {statement} was violated")
    return outcome


def judge_legal(mutant: dict, results: dict[str, dict]) -> MutantOutcome:
    """Harmless when every case passed and no statement the mutant leaves
    unexercised was exercised by a check (a check that ran would be one that
    a permitted choice cannot reach, i.e. it tests something else)."""
    failed = sorted((cid for cid, r in results.items() if r.get("verdict") not in ("PASS", "NOT_SUPPORTED")),
                    key=natural_key)
    counts: dict[str, dict] = {}
    for statement in mutant.get("unexercised", []):
        claiming = [r for r in results.values() if statement in r.get("statements", [])]
        exercised = [r["id"] for r in claiming
                     if ((r.get("checks") or {}).get(statement) or {}).get("exercised")]
        counts[statement] = {"instances": len(claiming), "exercised": len(exercised),
                             "first_exercised": exercised[0] if exercised else ""}
    exercised_anyway = [s for s, c in counts.items() if c["exercised"]]
    outcome = MutantOutcome(mutant=mutant["name"], statement="", description=mutant.get("description", ""),
                            verdict="harmless", cases_run=len(results), other_failures=failed, legal=True,
                            unexercised=counts)
    notes = []
    if failed:
        first = results[failed[0]]
        notes.append(f"{len(failed)} case(s) did not pass against a provider that only takes permitted choices "
                     f"(first: {failed[0]}: {first.get('verdict')} {first.get('message', '')[:160]})")
    if exercised_anyway:
        notes.append("exercised although the mutant leaves them unexercised: " + ", ".join(
            f"{s} ({counts[s]['exercised']} of {counts[s]['instances']}, first {counts[s]['first_exercised']})"
            for s in exercised_anyway))
    if notes:
        outcome.verdict = "rejected"
        outcome.note = "; ".join(notes)
    else:
        outcome.note = "every case passed; unexercised: " + ", ".join(
            f"{s} (0 of {c['instances']})" for s, c in counts.items())
    return outcome


def kill_one(runner: list[str], mutant: dict, cases: list[dict], provider: str, all_cases: bool,
             exclude: set[str]) -> MutantOutcome:
    """Without all_cases only the target statement's cases run, and only until
    the first of them fails: enough to decide killed or survived. A legal
    mutant runs every case to the end."""
    legal = bool(mutant.get("legal"))
    chosen = [c["id"] for c in cases
              if not any(fnmatch.fnmatchcase(c["id"], pattern) for pattern in exclude)
              and (all_cases or legal or mutant["statement"] in c["statements"])]
    if not chosen:
        return MutantOutcome(mutant["name"], mutant["statement"], mutant.get("description", ""), "survived",
                             note=f"no case tagged with {mutant['statement']} was run")
    with tempfile.TemporaryDirectory(prefix="wsac-kill-") as tmp:
        stop = None if all_cases or legal else kills(mutant["statement"])
        results = run_cases(runner, chosen, [f"--provider={provider}", f"--mutant={mutant['name']}"], Path(tmp),
                            stop_when=stop)
    return judge_legal(mutant, results) if legal else judge_mutant(mutant, results)


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
        ids = [c["id"] for c in kept if all_cases or mutant.get("legal") or mutant["statement"] in c["statements"]]
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
    return [judge_legal(m, merged[m["name"]]) if m.get("legal") else judge_mutant(m, merged[m["name"]])
            for m in mutants]


def baseline_failures(runner: list[str], provider: str, cases: list[dict], mutants: list[dict], all_cases: bool,
                      jobs: int) -> set[str]:
    """Ids of the cases the mutants would run that already fail on the clean provider."""
    targets = {m["statement"] for m in mutants}
    every = all_cases or any(m.get("legal") for m in mutants)
    ids = [c["id"] for c in cases if every or targets & set(c["statements"])]
    shards = [ids[i::max(1, jobs)] for i in range(max(1, jobs))]

    def one(shard: list[str]) -> set[str]:
        if not shard:
            return set()
        with tempfile.TemporaryDirectory(prefix="wsac-base-") as tmp:
            results = run_cases(runner, shard, [f"--provider={provider}"], Path(tmp))
        return {cid for cid, r in results.items() if r.get("verdict") in KILLING_VERDICTS}

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return set().union(*pool.map(one, shards))


def chaos_runs(runner: list[str], seeds: list[int], jobs: int = 2) -> dict[int, dict[str, dict]]:
    """Seed -> case id -> result line of every case on the clean mock with that seed."""
    cases = [c["id"] for c in list_cases(runner)]

    def one(seed: int) -> tuple[int, dict[str, dict]]:
        with tempfile.TemporaryDirectory(prefix="wsac-chaos-") as tmp:
            return seed, run_cases(runner, cases, ["--provider=mock", f"--chaos-seed={seed}"], Path(tmp))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(pool.map(one, seeds))


def chaos_failures(runs: dict[int, dict[str, dict]]) -> dict[int, list[str]]:
    """Seed -> the cases that did not pass with that seed, with verdict and message."""
    failures = {}
    for seed, results in runs.items():
        # NOT_SUPPORTED is a capability the mock lacks (or a probe that found a
        # permitted choice made the check moot), not a demand beyond the spec.
        bad = sorted(cid for cid, r in results.items() if r.get("verdict") not in ("PASS", "NOT_SUPPORTED"))
        failures[seed] = [f"{cid} ({results[cid].get('verdict')}: {results[cid].get('message', '')[:160]})"
                          for cid in bad]
    return failures


# ---- chaos coverage ------------------------------------------------------------

EXCLUSIONS_FILE = Path(__file__).with_name("mock_unexercisable.json")


def load_exclusions(path: Path = EXCLUSIONS_FILE) -> dict[str, str]:
    """Statement id -> why the mock cannot exercise it at all (the list must say why, per statement)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UsageError(f"{path}: cannot read the exclusion list: {err}") from None
    exclusions = {}
    for n, entry in enumerate(data.get("statements", []) if isinstance(data, dict) else []):
        if not (isinstance(entry, dict) and isinstance(entry.get("id"), str)
                and isinstance(entry.get("reason"), str) and entry["reason"].strip()):
            raise UsageError(f"{path}: statements[{n}] needs an 'id' and a non-empty 'reason'")
        exclusions[entry["id"]] = entry["reason"]
    return exclusions


def chaos_coverage(runs: dict[int, dict[str, dict]], catalog: list[dict]) -> list[dict]:
    """Per statement, over every seed: instances, how many exercised it, the reasons of the others.

    catalog: the --requirements statement list (levels and exercised_when).
    Statements no case claims are left out (the coverage test reports MUSTs
    without a case); INFO statements are never exercised by design.
    """
    info = {s["id"]: s for s in catalog}
    per_seed = {seed: tally(list(results.values()), info) for seed, results in runs.items()}
    rows = []
    for s in catalog:
        sid = s["id"]
        if s.get("level") == "INFO":
            continue
        counted = [per_seed[seed][sid] for seed in sorted(per_seed)]
        instances = sum(c.instances for c in counted)
        if not instances:
            continue
        reasons: dict[str, int] = {}
        for c in counted:
            for reason, n in c.reasons.items():
                reasons[reason] = reasons.get(reason, 0) + n
        rows.append({
            "statement": sid, "level": s.get("level", ""), "exercised_when": s.get("exercised_when", ""),
            "instances": instances, "exercised": sum(c.exercised for c in counted),
            "seeds": len(counted), "seeds_exercised": sum(1 for c in counted if c.exercised),
            "not_exercised": [{"reason": r, "instances": n}
                              for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))],
        })
    return rows


def coverage_gaps(rows: list[dict], exclusions: dict[str, str]) -> list[str]:
    """MUST statements the mock exercised in no seed, and exclusions that are no longer needed."""
    gaps = []
    for row in rows:
        sid = row["statement"]
        if row["level"] == "MUST" and row["exercised"] == 0 and sid not in exclusions:
            reasons = "; ".join(f"{r['reason']} ×{r['instances']}" for r in row["not_exercised"][:3])
            gaps.append(f"{sid}: exercised in 0 of {row['instances']} instances over {row['seeds']} seeds"
                        + (f" (exercised when {row['exercised_when']})" if row["exercised_when"] else "")
                        + (f"; not exercised: {reasons}" if reasons else ""))
        elif sid in exclusions and row["exercised"] > 0:
            gaps.append(f"{sid}: listed in {EXCLUSIONS_FILE.name} as unexercisable by the mock, but exercised in "
                        f"{row['exercised']} of {row['instances']} instances: remove it from the list")
    return gaps


def render_coverage(rows: list[dict]) -> str:
    """One line per statement: how many instances took the branch that exercises it, and why the others did not."""
    lines = []
    width = max([len(r["statement"]) for r in rows] + [9])
    for r in rows:
        share = f"{r['exercised']}/{r['instances']}"
        line = (f"{r['statement']:<{width}} {r['level']:<4} exercised {share:>11} "
                f"in {r['seeds_exercised']:>2}/{r['seeds']} seeds")
        if r["not_exercised"]:
            line += "; not: " + "; ".join(f"{x['reason']} ×{x['instances']}" for x in r["not_exercised"][:3])
            if len(r["not_exercised"]) > 3:
                line += f"; {len(r['not_exercised']) - 3} more reason(s)"
        lines.append(line)
    return "\n".join(lines)


def render_markdown(outcomes: list[MutantOutcome]) -> str:
    lines = ["| mutant | statement | verdict | killed by (case: check) |", "|---|---|---|---|"]
    for o in outcomes:
        killers = [f"{k['case']}: {k['check']}" for k in o.killed_by]
        shown = ", ".join(killers[:2]) + (f" (+{len(killers) - 2})" if len(killers) > 2 else "")
        lines.append(f"| {o.mutant} | {o.statement or '(legal)'} | {o.verdict} | {shown or o.note} |")
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
    survived = [o for o in outcomes if not o.passed]
    for o in outcomes:
        first = f"{o.killed_by[0]['case']}: {o.killed_by[0]['check']}" if o.killed_by else o.note
        print(f"{o.verdict:8} {o.mutant:40} {o.statement or '(legal)':9} {first}")
    illegal = [o for o in outcomes if not o.legal]
    legal = [o for o in outcomes if o.legal]
    print(f"kill matrix: {sum(o.verdict == 'killed' for o in illegal)} killed, "
          f"{sum(o.verdict != 'killed' for o in illegal)} survived of {len(illegal)} mutants; "
          f"{sum(o.verdict == 'harmless' for o in legal)} of {len(legal)} legal mutants harmless; "
          f"against {args.provider}")
    failed_seeds: dict[int, list[str]] = {}
    coverage: list[dict] = []
    gaps: list[str] = []
    if args.chaos_seeds:
        runs = chaos_runs(runner, list(range(1, args.chaos_seeds + 1)), args.jobs)
        failed_seeds = {s: bad for s, bad in chaos_failures(runs).items() if bad}
        for seed, bad in sorted(failed_seeds.items()):
            for line in bad:
                print(f"chaos seed {seed}: {line}")
        print(f"chaos: {args.chaos_seeds - len(failed_seeds)} of {args.chaos_seeds} seeds clean")
        coverage = chaos_coverage(runs, _json_from(runner + ["--requirements"])["statements"])
        print(render_coverage(coverage))
        gaps = coverage_gaps(coverage, load_exclusions())
        for gap in gaps:
            print(f"chaos coverage: {gap}")
        print(f"chaos coverage: {len(gaps)} MUST statement(s) the mock left unexercised in every seed")
    if args.out:
        data = {"kill_matrix": [o.as_dict() for o in outcomes],
                "chaos": {str(k): v for k, v in failed_seeds.items()},
                "chaos_coverage": coverage}
        tmp = Path(args.out).with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, args.out)
    return 1 if survived or failed_seeds or gaps else 0

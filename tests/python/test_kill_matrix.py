"""The suite tested in both directions, against the real native runner.

- every mutant is killed by a violated check of the statement it breaks;
- the clean mock under 20 chaos seeds passes every case, and takes the branch
  that exercises each MUST statement in some instance of some seed.

Skipped (with the reason) only when the native runner is not built; CI
builds it before pytest runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wsaconform import killmatrix

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(os.environ.get("WSAC_RUNNER", ROOT / "build" / "native" / "runner" / "wsaconform-runner"))
# The runners mostly wait (quiet windows, deadlines), so more processes than
# cores keep the machine busy without slowing any case down.
JOBS = 8 * (os.cpu_count() or 2)
SEEDS = list(range(1, 21))

needs_runner = pytest.mark.skipif(not os.access(RUNNER, os.X_OK), reason=f"native runner not built: {RUNNER}")


@pytest.fixture(scope="module")
def matrix():
    return killmatrix.kill_matrix([str(RUNNER)], "mock", JOBS)


@needs_runner
def test_every_mutant_is_killed_by_a_case_of_its_statement(matrix):
    illegal = [o for o in matrix if not o.legal]
    assert len(illegal) >= 40
    survived = [f"{o.mutant} ({o.statement}): {o.note}" for o in illegal if o.verdict != "killed"]
    assert not survived, "mutants that survived their own statement's cases:\n" + "\n".join(survived)


@needs_runner
def test_legal_mutants_pass_every_case_and_leave_their_statements_unexercised(matrix):
    """A provider that only takes permitted choices (always-pends: a layered
    provider that is not IFS) fails no case, and the statements whose branch
    it never takes are UNEXERCISED, not CONFORMS."""
    legal = [o for o in matrix if o.legal]
    assert legal, "no legal mutant listed"
    for o in legal:
        print(f"{o.mutant}: {o.verdict}: {o.note}")
    rejected = [f"{o.mutant}: {o.note}" for o in legal if o.verdict != "harmless"]
    assert not rejected, "legal mutants the suite rejects:\n" + "\n".join(rejected)
    for o in legal:
        assert o.unexercised and all(c["instances"] > 0 for c in o.unexercised.values()), o.unexercised


@needs_runner
def test_every_must_of_the_source_document_has_a_mutant():
    mutants = killmatrix.list_mutants([str(RUNNER)])
    targeted = {m["statement"] for m in mutants}
    musts = {f"S{i}" for i in range(1, 28)} - {"S22", "S24", "S25"}
    assert musts <= targeted, f"MUST statements without a mutant: {sorted(musts - targeted)}"


@pytest.fixture(scope="module")
def chaos_runs():
    """Every case on the clean mock under each of the 20 seeds, run once for the tests below."""
    return killmatrix.chaos_runs([str(RUNNER)], SEEDS, len(SEEDS))


@needs_runner
def test_clean_mock_passes_every_case_under_20_chaos_seeds(chaos_runs):
    failures = {seed: bad for seed, bad in killmatrix.chaos_failures(chaos_runs).items() if bad}
    assert not failures, "\n".join(f"seed {s}: {line}" for s, bad in sorted(failures.items()) for line in bad[:5])


@needs_runner
def test_chaos_seeds_exercise_every_must_statement(chaos_runs):
    """Per statement, how many instances took the branch that exercises it over the 20 seeds (printed);
    a MUST statement the mock left unexercised in every seed fails, unless mock_unexercisable.json says
    why the mock cannot exercise it at all."""
    catalog = killmatrix._json_from([str(RUNNER), "--requirements"])["statements"]
    rows = killmatrix.chaos_coverage(chaos_runs, catalog)
    print(killmatrix.render_coverage(rows))
    gaps = killmatrix.coverage_gaps(rows, killmatrix.load_exclusions())
    assert not gaps, f"{len(gaps)} problem(s) of chaos coverage:\n" + "\n".join(gaps)


def test_chaos_coverage_counts_branches_and_reasons():
    def record(cid, **checks):
        return {"id": cid, "verdict": "PASS", "statements": list(checks), "checks": {
            sid: {"held": int(c is True), "violated": 0, "exercised": c is True, "violations": [],
                  "not_exercised": [] if c is True else [c]} for sid, c in checks.items()}}

    catalog = [{"id": "S14", "level": "MUST", "exercised_when": "the call returned 0"},
               {"id": "S16", "level": "MUST"}, {"id": "WIN-9", "level": "MUST"}, {"id": "S25", "level": "INFO"},
               {"id": "ARG-1", "level": "MUST"}]
    runs = {1: {"a": record("a", S14="the call pended", S16=True, **{"WIN-9": "no routine queued"})},
            2: {"a": record("a", S14=True, S16=True, **{"WIN-9": "no routine queued"})}}
    rows = killmatrix.chaos_coverage(runs, catalog)
    by_id = {r["statement"]: r for r in rows}
    assert set(by_id) == {"S14", "S16", "WIN-9"}, "INFO and unclaimed statements are left out"
    assert (by_id["S14"]["exercised"], by_id["S14"]["instances"], by_id["S14"]["seeds_exercised"]) == (1, 2, 1)
    assert by_id["S14"]["not_exercised"] == [{"reason": "the call pended", "instances": 1}]
    first = killmatrix.render_coverage(rows).splitlines()[0]
    assert first.split() == ["S14", "MUST", "exercised", "1/2", "in", "1/2", "seeds;", "not:", "the", "call",
                             "pended", "×1"]
    gaps = killmatrix.coverage_gaps(rows, {})
    assert gaps == ["WIN-9: exercised in 0 of 2 instances over 2 seeds; not exercised: no routine queued ×2"]
    assert killmatrix.coverage_gaps(rows, {"WIN-9": "Windows-only"}) == []
    stale = killmatrix.coverage_gaps(rows, {"WIN-9": "Windows-only", "S16": "never"})
    assert stale == ["S16: listed in mock_unexercisable.json as unexercisable by the mock, but exercised in 2 of 2 "
                     "instances: remove it from the list"]


def test_the_exclusion_list_gives_a_reason_for_each_statement():
    exclusions = killmatrix.load_exclusions()
    assert all(reason.strip() for reason in exclusions.values())


def violated(statement, check="WSAC_EXPECT_TRUE(\"S14\", ind.has_value())", verdict="FAIL"):
    return {"verdict": verdict, "statements": ["S14", "S16"], "checks": {statement: {"held": 0, "violated": 1, "exercised": True, "violations": [
        {"check": check, "where": "cases/x.cc:9", "message": "m", "observed": "false", "expected": "true"}],
        "not_exercised": []}}}


def test_judge_counts_only_violated_checks_of_the_target_statement():
    mutant = {"name": "m", "statement": "S14", "description": ""}
    by_other = killmatrix.judge_mutant(mutant, {"A.x/0": violated("S16"), "B.y/0": violated("S16")})
    assert by_other.verdict == "survived" and by_other.killing_cases == []
    assert by_other.other_failures == ["A.x/0", "B.y/0"], "a FAIL on another statement's check does not kill"
    assert by_other.note.startswith("no check of S14 was violated; 2 case(s) failed")
    own = killmatrix.judge_mutant(mutant, {"A.x/0": violated("S14"), "B.y/0": {"verdict": "PASS"}})
    assert own.verdict == "killed" and own.killed_by_own_statement and own.killing_cases == ["A.x/0"]
    assert own.killed_by == [{"case": "A.x/0", "check": 'WSAC_EXPECT_TRUE("S14", ind.has_value())',
                              "where": "cases/x.cc:9", "message": "m", "observed": "false", "expected": "true"}]
    hung = killmatrix.judge_mutant(mutant, {"A.x/0": {"verdict": "TIMEOUT", "checks": {}},
                                                   "B.y/0": {"verdict": "CRASH"}})
    assert hung.verdict == "survived", "a hang or crash is no violated check of the statement"
    before_hang = killmatrix.judge_mutant(mutant, {"A.x/0": violated("S14", verdict="TIMEOUT")})
    assert before_hang.verdict == "killed", "a check violated before the hang counts"
    untagged = killmatrix.judge_mutant(mutant, {"A.x/0": {**violated("S14"), "statements": ["S16"]}})
    assert untagged.verdict == "survived", "a check of a statement the case does not claim is a defect, not a kill"
    broken = killmatrix.judge_mutant(mutant, {"A.x/0": {"verdict": "BROKEN"}})
    assert broken.verdict == "survived", "a case that never reached its check does not kill"


def test_late_indications_are_folded_into_kill_runs(tmp_path):
    """run_cases reads late_indication records and charges them to the case that started the operation."""
    script = tmp_path / "runner.py"
    script.write_text(
        "import json, sys\n"
        "opts = dict(a.split('=', 1) for a in sys.argv[1:] if '=' in a)\n"
        "with open(opts['--results'], 'a') as out:\n"
        "    out.write(json.dumps({'id': 'A.x/0', 'verdict': 'PASS', 'statements': ['S16'], 'checks': {}}) + '\\n')\n"
        "    out.write(json.dumps({'record': 'late_indication', 'case': 'A.x/0', 'statement': 'IND-1',\n"
        "                          'detected_in': 'B.y/0', 'mechanism': 'event', 'what': 'signaled late'}) + '\\n')\n"
        "    out.write(json.dumps({'id': 'B.y/0', 'verdict': 'PASS', 'statements': ['S16'], 'checks': {}}) + '\\n')\n")
    import sys

    results = killmatrix.run_cases([sys.executable, str(script)], ["A.x/0", "B.y/0"], [], tmp_path)
    assert results["A.x/0"]["verdict"] == "FAIL"
    assert results["A.x/0"]["checks"]["IND-1"]["violations"][0]["check"] == "late indication (event)"
    mutant = {"name": "late-event", "statement": "IND-1"}
    outcome = killmatrix.judge_mutant(mutant, results)
    assert outcome.verdict == "killed" and outcome.killing_cases == ["A.x/0"]

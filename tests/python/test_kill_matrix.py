"""The suite tested in both directions, against the real native runner.

- every mutant is killed by a case tagged with the statement it breaks;
- the clean mock under 20 chaos seeds passes every case.

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


@needs_runner
def test_every_mutant_is_killed_by_a_case_of_its_statement():
    outcomes = killmatrix.kill_matrix([str(RUNNER)], "mock", JOBS)
    assert len(outcomes) >= 40
    survived = [f"{o.mutant} ({o.statement}): {o.note}" for o in outcomes if o.verdict != "killed"]
    assert not survived, "mutants that survived their own statement's cases:\n" + "\n".join(survived)


@needs_runner
def test_every_must_of_the_source_document_has_a_mutant():
    mutants = killmatrix.list_mutants([str(RUNNER)])
    targeted = {m["statement"] for m in mutants}
    musts = {f"S{i}" for i in range(1, 28)} - {"S22", "S24", "S25"}
    assert musts <= targeted, f"MUST statements without a mutant: {sorted(musts - targeted)}"


@needs_runner
def test_clean_mock_passes_every_case_under_20_chaos_seeds():
    failures = {seed: bad for seed, bad in killmatrix.chaos_check([str(RUNNER)], SEEDS, len(SEEDS)).items()
                if bad}
    assert not failures, "\n".join(f"seed {s}: {line}" for s, bad in sorted(failures.items()) for line in bad[:5])


def test_judge_counts_only_cases_of_the_target_statement():
    cases = [{"id": "A.x/0", "statements": ["S14"]}, {"id": "B.y/0", "statements": ["S16"]}]
    mutant = {"name": "m", "statement": "S14", "description": ""}
    by_other = killmatrix.judge_mutant(mutant, cases, {"A.x/0": {"verdict": "PASS"}, "B.y/0": {"verdict": "FAIL"}})
    assert by_other.verdict == "survived" and by_other.killing_cases == ["B.y/0"]
    own = killmatrix.judge_mutant(mutant, cases, {"A.x/0": {"verdict": "FAIL"}, "B.y/0": {"verdict": "PASS"}})
    assert own.verdict == "killed" and own.killed_by_own_statement
    broken = killmatrix.judge_mutant(mutant, cases, {"A.x/0": {"verdict": "BROKEN"}})
    assert broken.verdict == "survived", "a case that never reached its check does not kill"

"""`wsaconform test` counts what the gate checked: results without a problem pass, and each failing
result or stale entry is one failure, named (issue 12: one unexpected pass is 1 failure, not 1953)."""

import json

from test_orchestrate import run_fake
from wsaconform.selftest import _gate_part


def expectations(tmp_path, entries):
    path = tmp_path / "expectations.json"
    path.write_text(json.dumps({"format": "wsaconform-expectations", "version": 2, "providers": [
        {"provider": "mock", "build": "fake-build", "expect": entries}]}))
    return str(path)


STALE = {"case": "Fake/Suite.Case01/*", "statement": "S2", "signature": [{"check": "WSAC_EXPECT_EQ(got, 1)"}],
         "reason": "r", "evidence": "e"}


def test_run_with_a_gate_writes_its_outcome_and_the_test_summary_counts_it(wsaconform, fake_runner, tmp_path):
    done = run_fake(wsaconform, fake_runner, tmp_path, "--gate", expectations(tmp_path, [STALE]), cases=40)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "UNEXPECTED PASS: providers[0].expect[0] (case Fake/Suite.Case01/*, statement S2)" in done.stdout
    part = _gate_part("under Wine, gated", done.returncode, tmp_path / "out" / "gate.json")
    assert (part.passed, part.failed) == (40, 1)
    assert part.note == "gate: 1 unexpected pass; entries providers[0].expect[0]"


def test_failing_results_count_once_each(wsaconform, fake_runner, tmp_path):
    done = run_fake(wsaconform, fake_runner, tmp_path, "--gate", expectations(tmp_path, []), cases=40,
                    fail="Case03,Case07")
    assert done.returncode == 1
    part = _gate_part("under Wine, gated", done.returncode, tmp_path / "out" / "gate.json")
    assert (part.passed, part.failed) == (38, 2)
    assert part.note == "gate: 2 new failure"


def test_a_clean_gate_passes_every_result(wsaconform, fake_runner, tmp_path):
    done = run_fake(wsaconform, fake_runner, tmp_path, "--gate", expectations(tmp_path, []), cases=5)
    assert done.returncode == 0, done.stdout + done.stderr
    part = _gate_part("under Wine, gated", 0, tmp_path / "out" / "gate.json")
    assert (part.passed, part.failed) == (5, 0) and part.ok


def test_a_gate_that_refused_its_input_is_one_failure(wsaconform, fake_runner, tmp_path):
    old = tmp_path / "v1.json"
    old.write_text(json.dumps({"format": "wsaconform-expectations", "version": 1, "providers": []}))
    done = run_fake(wsaconform, fake_runner, tmp_path, "--gate", str(old), cases=5)
    assert done.returncode == 2 and "re-derive it from a run" in done.stderr
    part = _gate_part("under Wine, gated", done.returncode, tmp_path / "out" / "gate.json")
    assert (part.passed, part.failed) == (0, 1)
    assert "without a gate outcome" in part.note

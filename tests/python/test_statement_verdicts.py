"""Statement verdicts come from each statement's own checks, end to end: the
runner's main over synthetic cases (the verdict probe, tests/cpp/runner/
verdict_cases.cc) writes real result lines, and collate decides.

- A case tagged S19 and S23 whose only violated check is S19's: S19 DEVIATES,
  S23 CONFORMS (FailOnlyFirstStatement).
- A case whose conditional branch never ran (NotExercised("S14", "the call
  pended")): S14 is UNEXERCISED, shown with the catalog's exercised_when.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from wsaconform import collate

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(os.environ.get("WSAC_RUNNER") or ROOT / "build" / "native" / "runner" / "wsaconform-runner")
PROBE = Path(os.environ.get("WSAC_VERDICT_PROBE")
             or RUNNER.parent.parent / "tests" / "cpp" / "runner" / "wsac_verdict_probe")

pytestmark = pytest.mark.skipif(not PROBE.is_file(), reason=f"verdict probe not built at {PROBE} "
                                "(target wsac_verdict_probe, or set WSAC_VERDICT_PROBE)")


def probe_dataset(tmp_path, case_filter):
    results = tmp_path / "results.jsonl"
    done = subprocess.run([str(PROBE), f"--gtest_filter={case_filter}", f"--results={results}"],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    catalog = subprocess.run([str(PROBE), "--requirements"], capture_output=True, timeout=60, check=True).stdout
    (tmp_path / "requirements.json").write_bytes(catalog)
    out = tmp_path / "dataset.json"
    assert collate.main([str(results), "--out", str(out)]) == 0
    dataset = json.loads(out.read_text())
    return {s["id"]: s for s in dataset["statements"]}, dataset


def test_a_failed_check_of_one_statement_leaves_the_other_conforming(tmp_path, capsys):
    statements, dataset = probe_dataset(tmp_path, "VerdictProbe.FailOnlyFirstStatement")
    [case] = dataset["cases"]
    assert case["results"]["mock"]["verdict"] == "FAIL", "the case verdict is unchanged"
    s19, s23 = statements["S19"]["results"]["mock"], statements["S23"]["results"]["mock"]
    assert s19["verdict"] == "DEVIATES"
    assert [(v["check"], v["observed"], v["expected"]) for v in s19["violations"]] == [
        ("WSAC_EXPECT_EQ(7, 8)", "7", "8")]
    assert s23["verdict"] == "CONFORMS"
    assert (s23["checks_held"], s23["checks_violated"], s23["exercised"], s23["instances"]) == (2, 0, 1, 1)
    table = capsys.readouterr().out
    assert "S19        DEVIATES 1/1" in table and "S23        CONFORMS 1/1" in table


def test_a_branch_that_never_ran_leaves_its_statement_unexercised(tmp_path, capsys):
    statements, _ = probe_dataset(tmp_path, "VerdictProbe.PassConditionNotMet")
    s14, s16 = statements["S14"], statements["S16"]["results"]["mock"]
    assert s14["exercised_when"] == "the call returned 0"  # from the catalog
    r = s14["results"]["mock"]
    assert r["verdict"] == "UNEXERCISED"
    assert r["not_exercised"] == [{"reason": "the call pended", "instances": 1}]
    assert r["exercise"] == "0 of 1 instance (the call returned 0)"
    assert s16["verdict"] == "CONFORMS"
    assert "S14 UNEXERCISED on mock: 0 of 1 instance (the call returned 0)" in capsys.readouterr().out


def test_a_passing_sibling_does_not_hide_a_deviation(tmp_path):
    # S19 and S23 held in both PassParam instances; FailOnlyFirstStatement still makes S19 DEVIATE.
    statements, _ = probe_dataset(tmp_path, "VerdictProbe.FailOnlyFirstStatement:Inst/VerdictProbeParam.*")
    assert statements["S19"]["results"]["mock"]["verdict"] == "DEVIATES"
    assert statements["S19"]["results"]["mock"]["exercise"] == "3 of 3 instances"
    assert statements["S23"]["results"]["mock"]["verdict"] == "CONFORMS"


def test_suite_defects_make_the_statement_unknown(tmp_path):
    statements, _ = probe_dataset(tmp_path, "VerdictProbe.BrokenUnattributedFailure:VerdictProbe.BrokenChecksNothing")
    assert statements["S9"]["results"]["mock"]["verdict"] == "UNKNOWN"
    assert statements["S21"]["results"]["mock"]["verdict"] == "UNKNOWN"
    # S12 held in BrokenChecksNothing, but the case is BROKEN: no verdict rests on a defective case.
    assert statements["S12"]["results"]["mock"]["verdict"] == "UNKNOWN"

"""wsaconform flakes against the fake runner: what counts as a change, replay, load, crashes."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

from conftest import ROOT

from wsaconform.flakes import compare


def case_id(n):
    return f"Fake/Suite.Case{n:02d}/Mock"


def hunt(wsaconform, fake_runner, tmp_path, *extra, **fake_env):
    env = {f"FAKE_{k.upper()}": str(v) for k, v in fake_env.items()}
    env["FAKE_RAN_LOG"] = str(tmp_path / "ran.log")
    return wsaconform("flakes", "--runner", fake_runner, "--out", str(tmp_path / "out"), *extra, env=env)


def report(tmp_path):
    return json.loads((tmp_path / "out" / "flakes.json").read_text())


def run_results(tmp_path, run):
    lines = (tmp_path / "out" / "mock" / f"run{run:02d}" / "results.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_a_stable_suite_changes_nothing_and_exits_0(wsaconform, fake_runner, tmp_path):
    done = hunt(wsaconform, fake_runner, tmp_path, "--repeat", "3", "--jobs", "2", cases=6, fail="Case01")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "flakes: mock: 0 of 6 cases changed over 3 runs" in done.stdout
    assert [len(run_results(tmp_path, n)) for n in (1, 2, 3)] == [6, 6, 6]
    # A case that fails the same way every time is a deviation, not a flake.
    assert "CHANGED" not in done.stdout


def test_a_case_whose_verdict_changes_is_listed_with_both_observations(wsaconform, fake_runner, tmp_path):
    done = hunt(wsaconform, fake_runner, tmp_path, "--repeat", "3", "--jobs", "2", cases=5, flaky="Case02")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    at = lines.index(f"CHANGED mock {case_id(2)}")
    assert lines[at + 1] == "  runs 1 3 (2 of 3): PASS"
    assert lines[at + 2] == "  runs 2 (1 of 3): FAIL: expected 1, got 2"
    assert lines[at + 3] == "      S3 violated WSAC_EXPECT_EQ(got, 1) at fake.cc:1: observed '2', expected '1'"
    assert "flakes: mock: 1 of 5 cases changed over 3 runs" in done.stdout
    change = report(tmp_path)["changes"][0]
    assert change["case"] == case_id(2)
    assert [(o["runs"], o["verdict"]) for o in change["observations"]] == [([1, 3], "PASS"), ([2], "FAIL")]
    assert change["observations"][1]["violations"] == [
        {"statement": "S3", "check": "WSAC_EXPECT_EQ(got, 1)", "where": "fake.cc:1", "observed": "2",
         "expected": "1"}]


def test_the_same_verdict_with_other_observed_values_is_a_change(wsaconform, fake_runner, tmp_path):
    done = hunt(wsaconform, fake_runner, tmp_path, "--repeat", "2", cases=3, flaky_signature="Case01")
    assert done.returncode == 1
    assert f"CHANGED mock {case_id(1)}" in done.stdout
    assert "observed '2', expected '1'" in done.stdout and "observed '3', expected '1'" in done.stdout


def test_the_seed_is_printed_and_replays_the_splits_and_orders(wsaconform, fake_runner, tmp_path):
    first = hunt(wsaconform, fake_runner, tmp_path, "--repeat", "2", "--jobs", "3", cases=12)
    seed = int(re.search(r"^flakes: seed (\d+)$", first.stdout, re.M).group(1))
    drawn = [(r["gtest_random_seed"], r["shards"]) for r in report(tmp_path)["providers"]["mock"]["runs"]]
    order = (tmp_path / "ran.log").read_text()
    (tmp_path / "ran.log").unlink()
    again = hunt(wsaconform, fake_runner, tmp_path, "--repeat", "2", "--jobs", "3", "--seed", str(seed), cases=12)
    assert again.returncode == 0
    assert f"--seed {seed}" in again.stdout  # the replay line
    assert [(r["gtest_random_seed"], r["shards"]) for r in report(tmp_path)["providers"]["mock"]["runs"]] == drawn
    assert sorted(order.splitlines()) == sorted((tmp_path / "ran.log").read_text().splitlines())
    # Both runs of one hunt drew differently: other neighbours, other order.
    assert drawn[0] != drawn[1]


def test_each_runner_runs_its_shard_shuffled(wsaconform, fake_runner, tmp_path):
    done = hunt(wsaconform, fake_runner, tmp_path, "--repeat", "1", "--jobs", "1", "--seed", "5", cases=12)
    assert done.returncode == 0
    ran_in = (tmp_path / "ran.log").read_text().split()
    assert sorted(ran_in) == [case_id(n) for n in range(12)] and ran_in != sorted(ran_in)


def test_a_crash_in_a_shuffled_shard_is_named_and_the_rest_resume(wsaconform, fake_runner, tmp_path):
    done = hunt(wsaconform, fake_runner, tmp_path, "--repeat", "1", "--jobs", "1", "--seed", "9", cases=10,
                crash="Case04")
    assert done.returncode == 0  # one run cannot change
    verdicts = {r["id"]: r["verdict"] for r in run_results(tmp_path, 1)}
    assert {k: v for k, v in verdicts.items() if v != "PASS"} == {case_id(4): "CRASH"}
    assert sorted((tmp_path / "ran.log").read_text().split()) == [case_id(n) for n in range(10)]


def test_a_crash_in_an_unpredicted_order_reruns_the_rest_unshuffled(wsaconform, fake_runner, tmp_path):
    done = hunt(wsaconform, fake_runner, tmp_path, "--repeat", "1", "--jobs", "1", "--seed", "9", cases=6,
                crash="Case02", shuffle="reverse")
    verdicts = {r["id"]: r["verdict"] for r in run_results(tmp_path, 1)}
    assert {k: v for k, v in verdicts.items() if v != "PASS"} == {case_id(2): "CRASH"}, done.stdout
    assert "was expected" in done.stdout and "run again unshuffled" in done.stdout
    started = (tmp_path / "ran.log").read_text().split()
    # The case it died in could not be named, so it ran again (and was named then).
    assert started.count(case_id(2)) == 2 and len(started) == 7


def test_a_timeout_the_runner_wrote_itself_needs_no_prediction(wsaconform, fake_runner, tmp_path):
    hunt(wsaconform, fake_runner, tmp_path, "--repeat", "1", "--jobs", "1", "--seed", "9", cases=6,
         timeout="Case02", shuffle="reverse")
    verdicts = {r["id"]: r["verdict"] for r in run_results(tmp_path, 1)}
    assert {k: v for k, v in verdicts.items() if v != "PASS"} == {case_id(2): "TIMEOUT"}
    assert sorted((tmp_path / "ran.log").read_text().split()) == [case_id(n) for n in range(6)]


def test_load_keeps_every_core_busy_while_the_runs_go_on(fake_runner, tmp_path):
    out = tmp_path / "out"
    env = dict(os.environ, FAKE_CASES="4", FAKE_DELAY="0.5")
    proc = subprocess.Popen([str(ROOT / "wsaconform"), "flakes", "--runner", fake_runner, "--out", str(out),
                             "--repeat", "2", "--jobs", "1", "--load"],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        busy = 0
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and not busy:
            busy = len(_processes_mentioning(str(out), "while True"))
            time.sleep(0.1)
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert busy >= 1
    assert not _processes_mentioning(str(out), "while True"), "a busy process outlived the hunt"


def _processes_mentioning(*texts):
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace") if entry.name.isdigit() else ""
        except OSError:
            continue
        if all(text in cmdline for text in texts):
            found.append(entry.name)
    return found


def test_compare_counts_a_finished_case_only_in_the_runs_it_finished_in():
    def rec(case, verdict, exercised=("S1",)):
        return {"id": case, "verdict": verdict,
                "checks": {s: {"exercised": s in exercised, "violations": []} for s in ("S1", "S2")}}

    runs = [[rec("A", "PASS"), rec("B", "PASS", ("S1",))],
            [rec("B", "PASS", ("S2",))],  # A did not finish (interrupted); B took the other permitted branch
            [rec("A", "PASS"), rec("B", "PASS", ("S1",))]]
    changes, other_branches = compare("mock", runs)
    assert changes == [] and other_branches == ["B"]
    changes, _ = compare("mock", runs + [[rec("A", "TIMEOUT")]])
    assert [(c.case, [(r, o.verdict) for r, o in c.observations]) for c in changes] == [
        ("A", [([1, 3], "PASS"), ([4], "TIMEOUT")])]


def test_a_late_indication_in_some_runs_only_is_a_change(tmp_path):
    def rec(case, verdict="PASS"):
        return {"id": case, "verdict": verdict, "checks": {"S1": {"exercised": True, "violations": []}}}

    def late(detected_in):
        return {"record": "late_indication", "case": "A", "statement": "IND-1", "detected_in": detected_in,
                "mechanism": "event", "what": "signaled after its case", "observed": {"error": 0}}

    from wsaconform.results import fold_records
    every_time = [fold_records([rec("A"), rec("B"), rec("C"), late(next_case)]) for next_case in ("B", "C")]
    changes, _ = compare("mock", every_time)
    assert changes == []  # late both times: which case noticed it is not part of the deviation
    changes, _ = compare("mock", every_time + [[rec("A"), rec("B"), rec("C")]])
    assert [(c.case, [(r, o.verdict) for r, o in c.observations]) for c in changes] == [
        ("A", [([1, 2], "FAIL"), ([3], "PASS")])]

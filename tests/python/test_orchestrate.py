"""wsaconform run against a fake runner: shards, crashes, hangs, Ctrl-C."""

import io
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ROOT

from wsaconform.orchestrate import default_jobs, estimate_durations, pack, run_order, select, split
from wsaconform.progress import Progress


def case_id(n):
    return f"Fake/Suite.Case{n:02d}/Mock"


def results(out):
    lines = (Path(out) / "mock" / "results.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def verdicts(out):
    return {r["id"]: r["verdict"] for r in results(out)}


def ran(log):
    return Path(log).read_text().split()


def run_fake(wsaconform, fake_runner, tmp_path, *extra, **fake_env):
    env = {f"FAKE_{k.upper()}": str(v) for k, v in fake_env.items()}
    env["FAKE_RAN_LOG"] = str(tmp_path / "ran.log")
    return wsaconform("run", "--runner", fake_runner, "--out", str(tmp_path / "out"), "--no-report", *extra, env=env)


def test_shards_merge_every_result_in_listing_order(wsaconform, fake_runner, tmp_path):
    done = run_fake(wsaconform, fake_runner, tmp_path, "--jobs", "3", cases=9)
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in results(tmp_path / "out")] == [case_id(n) for n in range(9)]
    run_info = json.loads((tmp_path / "out" / "mock" / "run.json").read_text())
    assert sorted(p["shard"] for p in run_info["runner_processes"]) == [1, 2, 3]
    assert all(p["cases"] == 3 and p["finished"] == 3 for p in run_info["runner_processes"])
    assert sorted(ran(tmp_path / "ran.log")) == [case_id(n) for n in range(9)]


def test_crash_mid_shard_records_crash_and_resumes_the_rest(wsaconform, fake_runner, tmp_path):
    done = run_fake(wsaconform, fake_runner, tmp_path, "--jobs", "2", cases=8, crash="Case01")
    assert done.returncode == 1
    got = results(tmp_path / "out")
    crashed = [r for r in got if r["verdict"] == "CRASH"]
    assert [r["id"] for r in crashed] == [case_id(1)]
    assert "SIGKILL" in crashed[0]["message"]
    assert crashed[0]["statements"] == ["S2"] and crashed[0]["build"] == "fake-build"
    assert all(r["verdict"] == "PASS" for r in got if r["id"] != case_id(1))
    assert len(got) == 8
    # Every case started exactly once: the crashed one is not retried, the
    # rest of its shard ran in a fresh runner.
    started = ran(tmp_path / "ran.log")
    assert sorted(started) == [case_id(n) for n in range(8)]


def test_runner_watchdog_timeout_is_kept_and_the_shard_resumes(wsaconform, fake_runner, tmp_path):
    done = run_fake(wsaconform, fake_runner, tmp_path, "--jobs", "1", cases=5, timeout="Case02")
    assert done.returncode == 1
    got = {r["id"]: r for r in results(tmp_path / "out")}
    assert got[case_id(2)]["verdict"] == "TIMEOUT"
    assert got[case_id(2)]["message"] == "case overran its deadline"  # the runner's own line
    assert "synthesized" not in got[case_id(2)]
    assert [got[case_id(n)]["verdict"] for n in (0, 1, 3, 4)] == ["PASS"] * 4
    assert sorted(ran(tmp_path / "ran.log")) == [case_id(n) for n in range(5)]
    processes = json.loads((tmp_path / "out" / "mock" / "run.json").read_text())["runner_processes"]
    assert [p["exit"] for p in processes] == [3, 0]


def test_hung_runner_is_killed_by_the_guard_and_recorded_as_timeout(wsaconform, fake_runner, tmp_path):
    # Without the guard the hang outlasts the fixture's own timeout and fails
    # the test; the message says it was the guard that ended it.
    done = run_fake(wsaconform, fake_runner, tmp_path, "--jobs", "1", "--guard", "1", cases=4, hang="Case01")
    assert done.returncode == 1
    got = {r["id"]: r for r in results(tmp_path / "out")}
    assert got[case_id(1)]["verdict"] == "TIMEOUT"
    assert "killed the runner" in got[case_id(1)]["message"]
    assert [got[case_id(n)]["verdict"] for n in (0, 2, 3)] == ["PASS"] * 3
    assert sorted(ran(tmp_path / "ran.log")) == [case_id(n) for n in range(4)]


def test_failures_are_results_not_errors(wsaconform, fake_runner, tmp_path):
    done = run_fake(wsaconform, fake_runner, tmp_path, cases=3, fail="Case00")
    assert done.returncode == 1
    assert verdicts(tmp_path / "out") == {case_id(0): "FAIL", case_id(1): "PASS", case_id(2): "PASS"}
    assert "DEVIATES" in done.stdout  # S1 is Case00's statement


def test_late_indications_reach_the_results_and_fail_their_case(wsaconform, fake_runner, tmp_path):
    done = wsaconform("run", "--runner", fake_runner, "--out", str(tmp_path / "out"), "--jobs", "1",
                      env={"FAKE_CASES": "3", "FAKE_LATE": "Case00"})
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [json.loads(line) for line in (tmp_path / "out" / "mock" / "results.jsonl").read_text().splitlines()]
    assert [l.get("record") for l in lines] == ["case", "case", "case", "late_indication"]
    assert lines[-1]["case"] == case_id(0) and lines[-1]["detected_in"] == case_id(1)
    dataset = json.loads((tmp_path / "out" / "report" / "results.json").read_text())
    case = {c["id"]: c for c in dataset["cases"]}[case_id(0)]
    [result] = case["results"].values()
    assert result["verdict"] == "FAIL" and "IND-1" in case["statements"]
    assert "IND-1" in done.stdout and "DEVIATES" in done.stdout


def test_filter_selects_cases(wsaconform, fake_runner, tmp_path):
    done = run_fake(wsaconform, fake_runner, tmp_path, "--filter", "*Case01*:*Case03*", cases=5)
    assert done.returncode == 0, done.stderr
    assert list(verdicts(tmp_path / "out")) == [case_id(1), case_id(3)]


def test_ctrl_c_stops_runners_and_keeps_finished_results(fake_runner, tmp_path):
    out = tmp_path / "out"
    # The last case hangs, so the run cannot end on its own before the signal
    # however late this process reads its output (under load, a run of
    # cases that only take time had finished before SIGINT was sent).
    env = dict(os.environ, FAKE_CASES="40", FAKE_DELAY="0.05", FAKE_HANG="Case39")
    proc = subprocess.Popen(
        [str(ROOT / "wsaconform"), "run", "--runner", fake_runner, "--out", str(out), "--jobs", "2", "--no-report"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        finished_lines = 0
        while finished_lines < 2:  # bounded by the 40 cases; a hang fails on communicate's timeout
            line = proc.stdout.readline()
            assert line, "wsaconform ended before any case finished"
            finished_lines += " PASS " in line
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "interrupted" in stdout
    got = results(out)
    ids = [r["id"] for r in got]
    assert 2 <= len(got) < 40 and len(set(ids)) == len(ids)
    assert all(r["verdict"] == "PASS" for r in got)
    run_info = json.loads((out / "mock" / "run.json").read_text())
    assert run_info["interrupted"] is True
    assert not _processes_mentioning(str(out)), "a runner outlived the interrupted run"


def _processes_mentioning(text):
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(entry.name)
        except OSError:
            continue
    return found


def test_plain_progress_lines_without_a_terminal(wsaconform, fake_runner, tmp_path):
    done = run_fake(wsaconform, fake_runner, tmp_path, cases=3)
    assert "\r" not in done.stdout
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert len(lines) == 3 and all(" mock PASS " in line for line in lines)
    assert "mock: 3/3 cases, 3 pass, 0 fail, 0 other" in done.stdout


def test_progress_bar_on_a_terminal_redraws_one_line():
    stream = io.StringIO()
    progress = Progress("mock", 3, stream=stream, tty=True)
    progress.case_finished({"id": "A", "verdict": "PASS"})
    progress.case_finished({"id": "B", "verdict": "CRASH", "message": "runner killed by SIGSEGV"})
    progress.close()
    text = stream.getvalue()
    assert "\r" in text and "ETA" in text
    assert "CRASH" in text and "B" in text  # problems are printed above the bar
    assert "pass 1 fail 0 other 1" in text


def test_unknown_provider_lists_the_available_ones(wsaconform, fake_runner, tmp_path):
    done = run_fake(wsaconform, fake_runner, tmp_path, "--provider", "nosuch")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "wsaconform: error: unknown or unavailable provider nosuch; available here: mock"
    ]


def test_every_provider_of_the_runner_runs_by_default(wsaconform, fake_runner, tmp_path):
    done = run_fake(wsaconform, fake_runner, tmp_path, cases=2, providers="mock,other")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "other" / "results.jsonl").read_text().count("\n") == 2
    assert json.loads((tmp_path / "out" / "requirements.json").read_text())["statements"]


def test_gtest_filter_semantics():
    cases = [{"id": i} for i in ("A/Tcp.Send/X", "A/Tcp.Recv/X", "A/Udp.Send/X", "A/Udp.Send[1]/X")]
    assert [c["id"] for c in select(cases, "*Tcp*-*Recv*")] == ["A/Tcp.Send/X"]
    assert [c["id"] for c in select(cases, "-*Tcp*")] == ["A/Udp.Send/X", "A/Udp.Send[1]/X"]
    assert [c["id"] for c in select(cases, "A/Udp.Send[1]/?")] == ["A/Udp.Send[1]/X"]
    assert select(cases, None) == cases


def test_split_keeps_order_and_balances():
    chunks = split([{"id": n} for n in range(7)], 3)
    assert [[c["id"] for c in chunk] for chunk in chunks] == [[0, 1, 2], [3, 4], [5, 6]]
    assert len(split([{"id": 0}], 4)) == 1


# ---- scheduling: packing by duration, the runner's order, resume ---------------------------

RUNNER = Path(os.environ.get("WSAC_RUNNER", ROOT / "build" / "native" / "runner" / "wsaconform-runner"))


def shard_lists(out):
    """Each first runner's case list, as the orchestrator wrote it."""
    processes = json.loads((Path(out) / "mock" / "run.json").read_text())["runner_processes"]
    lists = []
    for process in processes:
        if process["run"] == 1:
            case_list = next(a.split("=", 1)[1] for a in process["argv"] if a.startswith("--case-list="))
            lists.append(Path(case_list).read_text().split())
    return lists


def test_pack_puts_the_longest_cases_first_each_on_the_least_loaded_shard():
    cases = [{"id": f"c{n}"} for n in range(8)]
    estimate = {"c0": 10, "c1": 6000, "c2": 10, "c3": 5000, "c4": 4000, "c5": 10, "c6": 900, "c7": 10}
    shards = pack(cases, 3, estimate)
    assert [[c["id"] for c in shard] for shard in shards] == [["c1"], ["c3"], ["c0", "c2", "c4", "c5", "c6", "c7"]]
    loads = [sum(estimate[c["id"]] for c in shard) for shard in shards]
    assert loads == [6000, 5000, 4940]  # the longest case alone bounds the wall time
    assert pack(cases, 3, estimate) == shards  # the same inputs, the same split


def test_an_untimed_case_is_expected_to_cost_what_its_body_costs_elsewhere():
    cases = [{"id": "S.a/Tcp4", "suite": "S", "name": "a"}, {"id": "S.a/Udp4", "suite": "S", "name": "a"},
             {"id": "S.b/Tcp4", "suite": "S", "name": "b"}, {"id": "S.c/Tcp4", "suite": "S", "name": "c"},
             {"id": "S.d/Tcp4", "suite": "S", "name": "d"}]
    estimate = estimate_durations(cases, {"S.a/Tcp4": 6000.0, "S.b/Tcp4": 2.0, "S.c/Tcp4": 4.0})
    assert estimate == {"S.a/Tcp4": 6000.0, "S.a/Udp4": 6000.0, "S.b/Tcp4": 2.0, "S.c/Tcp4": 4.0,
                        "S.d/Tcp4": 4.0}  # the median of the timed cases
    assert estimate_durations(cases, {}) is None


def test_a_run_learns_durations_and_the_next_run_packs_by_them(wsaconform, fake_runner, tmp_path):
    slow = "Case00=6000,Case01=5000,Case02=4000"
    done = run_fake(wsaconform, fake_runner, tmp_path, "--jobs", "3", cases=9, duration_ms=slow)
    assert done.returncode == 0, done.stderr
    # Nothing was known: contiguous chunks, so the three slow cases shared a runner.
    assert shard_lists(tmp_path / "out")[0] == [case_id(n) for n in range(3)]
    durations = json.loads((tmp_path / "out" / "mock" / "durations.json").read_text())["cases"]
    assert durations[case_id(0)] == 6000 and durations[case_id(8)] == 1
    done = run_fake(wsaconform, fake_runner, tmp_path, "--jobs", "3", cases=9, duration_ms=slow)
    assert done.returncode == 0, done.stderr
    lists = shard_lists(tmp_path / "out")
    assert sorted(sum(case_id(n) in shard for n in range(3)) for shard in lists) == [1, 1, 1]
    assert all(shard == sorted(shard) for shard in lists)  # listing order: the order the runner runs them in
    assert [r["id"] for r in results(tmp_path / "out")] == [case_id(n) for n in range(9)]


def test_a_filtered_run_keeps_the_other_cases_durations(wsaconform, fake_runner, tmp_path):
    assert run_fake(wsaconform, fake_runner, tmp_path, cases=4, duration_ms="Case03=700").returncode == 0
    assert run_fake(wsaconform, fake_runner, tmp_path, "--filter", "*Case00*", cases=4,
                    duration_ms="Case00=50").returncode == 0
    durations = json.loads((tmp_path / "out" / "mock" / "durations.json").read_text())["cases"]
    assert durations[case_id(0)] == 50 and durations[case_id(3)] == 700


def test_crash_in_a_packed_shard_still_names_the_case_and_resumes(wsaconform, fake_runner, tmp_path):
    assert run_fake(wsaconform, fake_runner, tmp_path, "--jobs", "2", cases=8,
                    duration_ms="Case05=900,Case06=800").returncode == 0
    (tmp_path / "ran.log").unlink()
    done = run_fake(wsaconform, fake_runner, tmp_path, "--jobs", "2", cases=8, crash="Case03",
                    duration_ms="Case05=900,Case06=800")
    assert done.returncode == 1
    assert {k: v for k, v in verdicts(tmp_path / "out").items() if v != "PASS"} == {case_id(3): "CRASH"}
    assert sorted(ran(tmp_path / "ran.log")) == [case_id(n) for n in range(8)]


def test_run_order_without_a_seed_is_the_listing():
    cases = [{"id": f"S{s}.T{t}"} for s in range(3) for t in range(2)]
    assert run_order(cases, None) == {c["id"]: n for n, c in enumerate(cases)}


def test_shuffled_order_keeps_each_suite_together_and_depends_on_the_seed():
    cases = [{"id": f"P/S{s}.T{t}/x"} for s in range(6) for t in range(5)]
    order = sorted(run_order(cases, 7), key=run_order(cases, 7).get)
    suites = [case.split(".")[0] for case in order]
    assert all(suites[i] == suites[i + 1] for i in range(len(suites) - 1) if i % 5 != 4)
    assert order != [c["id"] for c in cases]
    assert run_order(cases, 7) == run_order(cases, 7) != run_order(cases, 8)
    assert run_order(cases, 100006) == run_order(cases, 7)  # GoogleTest folds seeds into 1..99999


@pytest.mark.skipif(not os.access(RUNNER, os.X_OK), reason=f"native runner not built: {RUNNER}")
def test_shuffled_order_is_the_order_the_real_runner_runs(tmp_path):
    listing = json.loads(subprocess.run([str(RUNNER), "--provider=mock", "--list"], capture_output=True,
                                        text=True, check=True).stdout)["cases"]
    # Cases from several suites, every fourth one: the shuffle still draws over all of them.
    wanted = [c["id"] for c in listing if c["id"].startswith(("Transfer/", "Close/"))][::4]
    (tmp_path / "cases").write_text("\n".join(wanted) + "\n")
    for seed in (1, 4242, 99999):
        results_file = tmp_path / f"results-{seed}.jsonl"
        subprocess.run([str(RUNNER), "--provider=mock", f"--case-list={tmp_path / 'cases'}",
                        f"--results={results_file}", "--quiet-window-ms=1", "--gtest_shuffle",
                        f"--gtest_random_seed={seed}"], stdout=subprocess.DEVNULL, check=False, timeout=300)
        ran_in = [json.loads(line)["id"] for line in results_file.read_text().splitlines()]
        positions = run_order(listing, seed)
        assert ran_in == sorted(wanted, key=positions.get), f"seed {seed}"


def test_progress_estimates_time_left_by_expected_durations():
    progress = Progress("mock", 3, stream=io.StringIO(), tty=False)
    progress.expect_durations({"A": 100.0, "B": 100.0, "C": 9800.0})
    progress.started -= 2.0
    progress.case_finished({"id": "A", "verdict": "PASS"})
    progress.case_finished({"id": "B", "verdict": "PASS"})
    # Two of three cases are done, but 98 % of the expected work is left.
    assert progress._eta(time.monotonic()) in ("1:38", "1:37", "1:39")


def test_without_jobs_a_run_starts_the_measured_number_of_runners(wsaconform, fake_runner, tmp_path):
    many = default_jobs("mock", len(os.sched_getaffinity(0))) + 3
    done = run_fake(wsaconform, fake_runner, tmp_path, cases=many)
    assert done.returncode == 0, done.stderr
    processes = json.loads((tmp_path / "out" / "mock" / "run.json").read_text())["runner_processes"]
    assert len(processes) == default_jobs("mock", len(os.sched_getaffinity(0)))

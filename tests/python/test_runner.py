"""wsaconform-runner's command-line and output contract, checked on the binary.

The Python side reads only the runner's JSON (style.md), so this is what it
relies on: --list / --requirements / --list-mutants parse, usage errors exit 2
before any case runs, every result line is one JSON object with the agreed
fields, a killed run leaves only whole lines, --case-list and GoogleTest's own
flags select exactly what they say, and the watchdog turns a hang into a
TIMEOUT line and exit code 3.

Binaries: the runner from WSAC_RUNNER or build/native/runner/wsaconform-runner;
the verdict probe (the runner's main over synthetic cases, one per way a case
can end; tests/cpp/runner/verdict_cases.cc) from WSAC_VERDICT_PROBE or
tests/cpp/runner/wsac_verdict_probe in the runner's build tree.
"""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(os.environ.get("WSAC_RUNNER") or ROOT / "build" / "native" / "runner" / "wsaconform-runner")
PROBE = Path(
    os.environ.get("WSAC_VERDICT_PROBE")
    or RUNNER.parent.parent / "tests" / "cpp" / "runner" / "wsac_verdict_probe"
)

VERDICTS = {"PASS", "FAIL", "NOT_SUPPORTED", "BROKEN", "TIMEOUT", "CRASH"}
FIELDS = {
    "record", "id", "statements", "provider", "build", "verdict", "duration_ms", "message",
    "observed", "reports", "requirements", "checks", "harness_errors", "suite_version", "catalog_version",
}

needs_runner = pytest.mark.skipif(
    not RUNNER.is_file(),
    reason=f"runner not built at {RUNNER} (build it: cmake --preset native && "
    "cmake --build --preset native --target wsaconform-runner, or set WSAC_RUNNER)",
)
needs_probe = pytest.mark.skipif(
    not PROBE.is_file(),
    reason=f"verdict probe not built at {PROBE} (target wsac_verdict_probe, or set WSAC_VERDICT_PROBE)",
)


def run(binary, *args, env=None, timeout=120):
    return subprocess.run(
        [str(binary), *map(str, args)],
        env=dict(os.environ, **(env or {})),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
    )


def read_lines(path):
    """Every line of a results file, parsed; a partial or non-UTF-8 line fails the test."""
    data = Path(path).read_bytes() if Path(path).exists() else b""
    assert data == b"" or data.endswith(b"\n"), f"results file ends in a partial line: {data[-200:]!r}"
    lines = []
    for number, raw in enumerate(data.splitlines(), 1):
        text = raw.decode("utf-8")  # strict: a line a strict reader cannot read is lost
        try:
            lines.append(json.loads(text))
        except json.JSONDecodeError as error:
            pytest.fail(f"line {number} is not JSON ({error}): {text[:300]}")
    return lines


def check_line(line, catalog_ids, versions=None):
    missing = FIELDS - line.keys()
    assert not missing, f"{line.get('id')}: missing fields {sorted(missing)}"
    assert line["record"] == "case"
    assert isinstance(line["id"], str) and line["id"]
    assert line["verdict"] in VERDICTS, line["verdict"]
    assert isinstance(line["duration_ms"], (int, float)) and line["duration_ms"] >= 0
    assert isinstance(line["message"], str)
    assert isinstance(line["observed"], dict) and isinstance(line["reports"], dict)
    assert isinstance(line["statements"], list) and line["statements"], f"{line['id']}: no statement IDs"
    assert set(line["statements"]) <= set(line["checks"]), f"{line['id']}: a claimed statement has no checks entry"
    for sid, c in line["checks"].items():
        assert {"held", "violated", "exercised", "violations", "not_exercised"} <= c.keys(), (line["id"], sid)
        assert c["exercised"] == (c["held"] + c["violated"] > 0), (line["id"], sid)
        for v in c["violations"]:
            assert {"check", "where", "message", "observed", "expected"} <= v.keys()
    assert isinstance(line["harness_errors"], list)
    assert (line["verdict"] == "BROKEN") >= bool(line["harness_errors"]), "a defect of the suite makes it BROKEN"
    assert set(line["requirements"]) == set(line["statements"])
    for statement in line["statements"]:
        assert statement in catalog_ids, f"{line['id']}: unknown statement {statement}"
        assert line["requirements"][statement] and line["requirements"][statement] != "unknown statement"
    if versions:
        assert (line["suite_version"], line["catalog_version"]) == versions


@pytest.fixture(scope="module")
def catalog_ids():
    done = run(RUNNER, "--requirements")
    assert done.returncode == 0, done.stderr
    return {s["id"] for s in json.loads(done.stdout)["statements"]}


@pytest.fixture(scope="module")
def listing():
    done = run(RUNNER, "--list")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def pick_cases(listing, count):
    """Case ids spread over the list, parameterised ones included."""
    ids = [case["id"] for case in listing["cases"]]
    step = max(1, len(ids) // count)
    chosen = ids[::step][:count]
    with_param = next((i for i in ids if "/" in i), None)
    if with_param and with_param not in chosen:
        chosen[-1] = with_param
    return chosen


# ---- listings ---------------------------------------------------------------


@needs_runner
def test_list_gives_every_case_with_statement_ids(listing, catalog_ids):
    assert listing["suite_version"] and listing["catalog_version"]
    cases = listing["cases"]
    assert cases, "no cases listed"
    ids = [case["id"] for case in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    for case in cases:
        assert {"id", "suite", "name", "statements"} <= case.keys()
        assert case["statements"], f"{case['id']} names no statement"
        unknown = set(case["statements"]) - catalog_ids
        assert not unknown, f"{case['id']}: statements not in the catalog: {sorted(unknown)}"
        assert case["suite"] in case["id"] and case["name"] in case["id"]


@needs_runner
def test_requirements_parse_and_carry_part_a(catalog_ids):
    assert {f"S{n}" for n in range(1, 28)} <= catalog_ids


@needs_runner
def test_requirements_are_the_catalog_byte_for_byte():
    done = run(RUNNER, "--requirements")
    assert done.stdout == (ROOT / "suite" / "catalog" / "statements.json").read_bytes()


@needs_runner
def test_list_mutants_names_forty_or_more_each_with_a_statement(catalog_ids):
    done = run(RUNNER, "--list-mutants")
    assert done.returncode == 0, done.stderr
    mutants = json.loads(done.stdout)
    assert len(mutants) >= 40
    names = [m["name"] for m in mutants]
    assert len(names) == len(set(names))
    for m in mutants:
        assert m["description"] and isinstance(m["wrapper"], bool)
        if m.get("legal"):
            # A legal mutant breaks nothing; it names what it leaves unexercised.
            assert m["statement"] == "" and m["unexercised"] and set(m["unexercised"]) <= catalog_ids, m
            continue
        assert m["statement"] in catalog_ids, m
        assert m["description"] and isinstance(m["wrapper"], bool)


@needs_runner
def test_list_providers_includes_the_mock():
    done = run(RUNNER, "--list-providers")
    assert done.returncode == 0
    assert "mock" in json.loads(done.stdout)


# ---- usage errors -----------------------------------------------------------


@needs_runner
def test_unknown_provider_exits_2_listing_the_choices(tmp_path):
    results = tmp_path / "r.jsonl"
    done = run(RUNNER, "--provider=nosuch", f"--results={results}")
    assert done.returncode == 2
    stderr = done.stderr.decode()
    assert "nosuch" in stderr
    for name in json.loads(run(RUNNER, "--list-providers").stdout):
        assert name in stderr
    assert b"[ RUN" not in done.stdout
    assert not results.exists() or results.read_bytes() == b""


@needs_runner
def test_unwritable_results_exits_2_before_any_case(tmp_path):
    done = run(RUNNER, "--results=/nonexistent/dir/x")
    assert done.returncode == 2
    assert b"/nonexistent/dir/x" in done.stderr
    assert b"[ RUN" not in done.stdout, "a case ran before the results path was checked"
    assert not Path("/nonexistent/dir/x").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--mutant=no-such-mutant"],
        ["--chaos-seed=abc"],
        ["--case-timeout=0"],
        ["--no-such-flag"],
    ],
)
@needs_runner
def test_bad_options_exit_2_before_any_case(args):
    done = run(RUNNER, *args)
    assert done.returncode == 2, done.stderr
    assert b"[ RUN" not in done.stdout


@needs_runner
def test_case_list_problems_exit_2(tmp_path):
    missing = run(RUNNER, f"--case-list={tmp_path / 'missing.txt'}")
    assert missing.returncode == 2
    (tmp_path / "empty.txt").write_text("\n\n")
    assert run(RUNNER, f"--case-list={tmp_path / 'empty.txt'}").returncode == 2
    (tmp_path / "glob.txt").write_text("Some*.Case\n")
    glob = run(RUNNER, f"--case-list={tmp_path / 'glob.txt'}")
    assert glob.returncode == 2 and b"filter character" in glob.stderr


# ---- result lines -----------------------------------------------------------


@needs_runner
def test_every_result_line_has_the_contract_fields(tmp_path, listing, catalog_ids):
    chosen = pick_cases(listing, 12)
    (tmp_path / "cases.txt").write_text("\n".join(chosen) + "\n")
    results = tmp_path / "r.jsonl"
    done = run(RUNNER, "--provider=mock", f"--case-list={tmp_path / 'cases.txt'}", f"--results={results}")
    assert done.returncode in (0, 1), done.stderr
    lines = read_lines(results)
    assert sorted(line["id"] for line in lines) == sorted(chosen)
    versions = (listing["suite_version"], listing["catalog_version"])
    listed = {case["id"]: case["statements"] for case in listing["cases"]}
    for line in lines:
        check_line(line, catalog_ids, versions)
        assert line["provider"] == "mock" and line["build"]
        assert line["statements"] == listed[line["id"]]
    # Exit code 0 exactly when nothing but PASS and NOT_SUPPORTED.
    good = all(line["verdict"] in ("PASS", "NOT_SUPPORTED") for line in lines)
    assert done.returncode == (0 if good else 1)


@needs_runner
def test_results_are_appended_not_truncated(tmp_path, listing):
    (tmp_path / "one.txt").write_text(listing["cases"][0]["id"] + "\n")
    results = tmp_path / "r.jsonl"
    results.write_text('{"record":"case","id":"earlier"}\n')
    run(RUNNER, f"--case-list={tmp_path / 'one.txt'}", f"--results={results}")
    lines = read_lines(results)
    assert [line["id"] for line in lines] == ["earlier", listing["cases"][0]["id"]]


@needs_runner
def test_sigkill_mid_run_leaves_only_whole_lines(tmp_path, listing, catalog_ids):
    # Repeats forever, so the kill always lands in the middle of the run.
    for attempt, wanted in enumerate((1, 7, 25)):
        results = tmp_path / f"killed{attempt}.jsonl"
        proc = subprocess.Popen(
            [str(RUNNER), "--provider=mock", "--gtest_repeat=-1", f"--results={results}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                if results.exists() and results.read_bytes().count(b"\n") >= wanted:
                    break
                time.sleep(0.005)
            assert proc.poll() is None, f"runner ended on its own (exit {proc.returncode}) before the kill"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        lines = read_lines(results)
        assert len(lines) >= wanted
        for line in lines:
            check_line(line, catalog_ids)


@needs_runner
def test_case_list_runs_exactly_the_listed_ids(tmp_path, listing):
    chosen = pick_cases(listing, 5)
    # Order in the file does not matter; blank lines and CRLF are tolerated.
    (tmp_path / "cases.txt").write_text("\r\n".join(reversed(chosen)) + "\r\n\r\n")
    results = tmp_path / "r.jsonl"
    run(RUNNER, f"--case-list={tmp_path / 'cases.txt'}", f"--results={results}")
    ran = [line["id"] for line in read_lines(results)]
    assert sorted(ran) == sorted(chosen)


# ---- GoogleTest's flags -----------------------------------------------------


@needs_runner
def test_gtest_filter_selects(tmp_path, listing):
    target = pick_cases(listing, 3)[1]
    results = tmp_path / "r.jsonl"
    run(RUNNER, f"--gtest_filter={target}", f"--results={results}")
    assert [line["id"] for line in read_lines(results)] == [target]


@needs_runner
def test_gtest_repeat_writes_a_line_per_repetition(tmp_path, listing):
    chosen = pick_cases(listing, 2)
    (tmp_path / "cases.txt").write_text("\n".join(chosen) + "\n")
    results = tmp_path / "r.jsonl"
    run(RUNNER, f"--case-list={tmp_path / 'cases.txt'}", "--gtest_repeat=2", f"--results={results}")
    ran = [line["id"] for line in read_lines(results)]
    assert sorted(ran) == sorted(chosen * 2)


@needs_runner
def test_gtest_sharding_splits_the_cases(tmp_path, listing):
    suite = listing["cases"][len(listing["cases"]) // 2]["id"].split(".")[0]
    pattern = f"{suite}.*"
    everything = tmp_path / "all.jsonl"
    run(RUNNER, f"--gtest_filter={pattern}", f"--results={everything}")
    all_ids = [line["id"] for line in read_lines(everything)]
    assert len(all_ids) >= 2, f"pick a suite with more cases than {all_ids}"
    shards = []
    for index in range(3):
        out = tmp_path / f"shard{index}.jsonl"
        run(RUNNER, f"--gtest_filter={pattern}", f"--results={out}",
            env={"GTEST_TOTAL_SHARDS": "3", "GTEST_SHARD_INDEX": str(index)})
        shards.append([line["id"] for line in read_lines(out)])
    flat = [i for shard in shards for i in shard]
    assert sorted(flat) == sorted(all_ids), "shards must cover every case exactly once"
    assert sum(1 for shard in shards if shard) >= 2, "sharding did not split the cases"


# ---- verdicts and the watchdog (verdict probe) ------------------------------

# VerdictProbe.<Name>: the verdict each synthetic case must end with.
EXPECTED = {
    "VerdictProbe.PassPlain": "PASS",
    "VerdictProbe.FailExpect": "FAIL",
    "VerdictProbe.FailAssert": "FAIL",
    "VerdictProbe.NotSupportedSkip": "NOT_SUPPORTED",
    "VerdictProbe.BrokenPlainSkip": "BROKEN",  # a skipped check is never a pass
    "VerdictProbe.BrokenBareSkip": "BROKEN",
    "VerdictProbe.NotSupportedThrown": "NOT_SUPPORTED",
    "VerdictProbe.BrokenSetupFailed": "BROKEN",
    "VerdictProbe.FailThenSetupFailed": "FAIL",  # the first failure decides
    "VerdictProbe.FailThenNotSupported": "FAIL",
    "VerdictProbe.FailThenSkipNotSupported": "FAIL",
    "VerdictProbe.FailMessageMentionsNotSupported": "FAIL",  # marker text in a check is no verdict
    "VerdictProbe.FailMessageMentionsBroken": "FAIL",
    # Defects of the suite: a failure no statement's check owns, a check of an
    # untagged statement, a claim neither checked nor said to be unexercised.
    "VerdictProbe.BrokenUnexpectedException": "BROKEN",
    "VerdictProbe.BrokenUnattributedFailure": "BROKEN",
    "VerdictProbe.BrokenUntaggedStatement": "BROKEN",
    "VerdictProbe.BrokenChecksNothing": "BROKEN",
    "VerdictProbe.FailOnlyFirstStatement": "FAIL",
    "VerdictProbe.PassConditionNotMet": "PASS",
    "Inst/VerdictProbeParam.PassParam/P1": "PASS",
    "Inst/VerdictProbeParam.PassParam/P2": "PASS",
}


@pytest.fixture(scope="module")
def probe_lines(tmp_path_factory):
    results = tmp_path_factory.mktemp("probe") / "r.jsonl"
    # PassOddBytes has its own test: a line it breaks must not hide the others.
    done = run(PROBE, "--gtest_filter=VerdictProbe*.*:Inst/VerdictProbe*.*:-VerdictProbe.PassOddBytes",
               f"--results={results}")
    assert done.returncode == 1, done.stderr
    return {line["id"]: line for line in read_lines(results)}


@needs_probe
@pytest.mark.parametrize("case_id", sorted(EXPECTED))
def test_verdict_rules(probe_lines, case_id):
    assert case_id in probe_lines, "no result line"
    line = probe_lines[case_id]
    assert line["verdict"] == EXPECTED[case_id], line["message"]


@needs_probe
def test_probe_lines_keep_the_contract(probe_lines):
    assert set(probe_lines) == set(EXPECTED)
    catalog = {s["id"] for s in json.loads(run(PROBE, "--requirements").stdout)["statements"]}
    for line in probe_lines.values():
        check_line(line, catalog)
    assert probe_lines["Inst/VerdictProbeParam.PassParam/P2"]["statements"] == ["S19", "S23"]
    assert probe_lines["Inst/VerdictProbeParam.PassParam/P2"]["observed"] == {"param": 2}
    plain = probe_lines["VerdictProbe.PassPlain"]
    assert plain["observed"] == {"answer": 42, "text": 'quote " backslash \\ newline \n'}
    assert plain["reports"] == {"S22": "in order 2 of 2"}
    assert "NOT_SUPPORTED: probe lacks the capability" in probe_lines["VerdictProbe.NotSupportedSkip"]["message"]
    assert "first a real failure" in probe_lines["VerdictProbe.FailThenSetupFailed"]["message"]


@needs_probe
def test_values_that_are_not_utf8_still_parse(tmp_path):
    results = tmp_path / "r.jsonl"
    done = run(PROBE, "--gtest_filter=VerdictProbe.PassOddBytes", f"--results={results}")
    assert done.returncode == 0, done.stderr
    (line,) = read_lines(results)
    assert line["verdict"] == "PASS"
    assert line["reports"] == {"S24": "odd \u00ff bytes"}
    observed = line["observed"]
    # Invalid bytes come back as the code points of their byte values.
    assert observed["invalid"] == "\u00ff\u00fe"
    assert observed["overlong"] == "\u00c0\u0080"
    assert observed["surrogate"] == "\u00ed\u00a0\u0080"
    assert observed["control"] == "a\u0001b\u0000c"
    assert observed["valid"] == "caf\u00e9 \u20ac"


@needs_probe
def test_only_pass_and_not_supported_exit_0(tmp_path):
    results = tmp_path / "r.jsonl"
    done = run(PROBE, "--gtest_filter=VerdictProbe.PassPlain:Inst/VerdictProbeParam.*:VerdictProbe.NotSupported*",
               f"--results={results}")
    assert done.returncode == 0, done.stderr
    assert {line["verdict"] for line in read_lines(results)} == {"PASS", "NOT_SUPPORTED"}


@needs_probe
def test_watchdog_writes_timeout_and_exits_3(tmp_path):
    results = tmp_path / "r.jsonl"
    # run()'s own 60 s timeout catches a watchdog that never fires; how soon
    # it fires is the bench's business, not a timed assertion's.
    done = run(
        PROBE, "--gtest_also_run_disabled_tests", "--gtest_filter=VerdictProbe.PassPlain:VerdictProbeHang.*",
        "--case-timeout=1", f"--results={results}", timeout=60,
    )
    assert done.returncode == 3, done.stderr
    lines = read_lines(results)
    assert [(line["id"], line["verdict"]) for line in lines] == [
        ("VerdictProbe.PassPlain", "PASS"),
        ("VerdictProbeHang.DISABLED_Hangs", "TIMEOUT"),
    ]
    hung = lines[1]
    assert hung["statements"] == ["S13"]
    assert hung["observed"] == {"before_hang": 1}
    assert hung["duration_ms"] >= 1000
    assert b"timed out" in done.stderr


@needs_probe
@pytest.mark.parametrize("seconds", ["18446744073709551", "99999999999999999"])
def test_a_huge_case_timeout_never_times_out_a_quick_case(tmp_path, seconds):
    # Either refused as a usage error or honoured; overflowing into a past
    # deadline turns passing cases into TIMEOUTs. Whether the overflowed
    # deadline has passed varies from run to run, hence several runs.
    for attempt in range(8):
        results = tmp_path / f"r{attempt}.jsonl"
        done = run(PROBE, "--gtest_filter=VerdictProbe.PassPlain", f"--case-timeout={seconds}",
                   f"--results={results}")
        if done.returncode == 2:
            assert not results.exists() or results.read_bytes() == b""
            return
        assert done.returncode == 0, f"attempt {attempt}: {done.stderr!r}"
        assert [line["verdict"] for line in read_lines(results)] == ["PASS"]

"""The pytest plugin, driven against a fake runner that speaks the runner's contract."""

import json
import sys
import textwrap

import pytest

from wsaconform import pytest_plugin

pytest_plugins = ["pytester"]

FAKE_RUNNER = textwrap.dedent('''\
    #!/usr/bin/python3
    # Mimics wsaconform-runner: --list prints the cases as JSON; otherwise it
    # runs the cases named in --case-list and appends result lines to --results.
    # FAKE_SPEC (JSON) maps case id -> {"statements", "verdict", "message",
    # "observed", "crash": true (SIGKILL itself), "hang": true}.
    import json, os, signal, sys, time
    opts = dict(a.partition("=")[::2] for a in sys.argv[1:])
    with open(os.environ["FAKE_LOG"], "a") as log:
        log.write(json.dumps(sys.argv[1:]) + "\\n")
    spec = json.loads(os.environ["FAKE_SPEC"])
    if "--list" in opts:
        print(json.dumps({"suite_version": "0.1.0", "catalog_version": "c1", "cases": [
            {"id": i, "suite": i.split(".")[0], "name": i.split(".")[1], "statements": s.get("statements", [])}
            for i, s in spec.items()]}))
        sys.exit(0)
    wanted = open(opts["--case-list"]).read().split()
    out = open(opts["--results"], "a")
    for case_id in wanted:
        s = spec[case_id]
        if s.get("crash"):
            os.kill(os.getpid(), signal.SIGKILL)
        if s.get("hang"):
            time.sleep(60)
        out.write(json.dumps({
            "record": "case", "id": case_id, "suite": "", "name": "", "statements": s.get("statements", []),
            "provider": opts["--provider"], "build": "fake 1.0", "mutant": opts.get("--mutant", ""),
            "chaos_seed": None, "verdict": s.get("verdict", "PASS"), "duration_ms": 1.0,
            "message": s.get("message", ""), "observed": s.get("observed", {}), "reports": {},
            "requirements": {x: "text of " + x for x in s.get("statements", [])},
            "suite_version": "0.1.0", "catalog_version": "c1"}) + "\\n")
        out.flush()
    sys.exit(0)
''')


@pytest.fixture
def fake(tmp_path, monkeypatch):
    runner = tmp_path / "fake-runner"
    runner.write_text(FAKE_RUNNER)
    runner.chmod(0o755)
    log = tmp_path / "runner.log"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.delenv("WSAC_RUNNER", raising=False)

    class Fake:
        path = str(runner)

        def spec(self, cases):
            monkeypatch.setenv("FAKE_SPEC", json.dumps(cases))

        def calls(self):
            return [json.loads(l) for l in log.read_text().splitlines()] if log.exists() else []

        def runs(self):
            return [c for c in self.calls() if "--list" not in c]

    return Fake()


def run(pytester, fake, *args):
    return pytester.runpytest("-p", "wsaconform.pytest_plugin", "--wsaconform-provider=mock",
                              f"--wsaconform-runner={fake.path}", "-p", "no:cacheprovider",
                              "-W", "ignore::pytest.PytestAssertRewriteWarning", *args)


def test_verdicts_map_to_outcomes(pytester, fake):
    fake.spec({
        "A.Pass": {"statements": ["S14"]},
        "A.Fail": {"statements": ["S14", "EVT-1"], "verdict": "FAIL", "message": "event not signaled",
                   "observed": {"wsa_error": 10045, "ret": -1}},
        "A.NotSupported": {"verdict": "NOT_SUPPORTED", "message": "no IPv6 loopback"},
        "A.Broken": {"verdict": "BROKEN", "message": "connect failed"},
        "A.Timeout": {"verdict": "TIMEOUT", "message": "overran 10 s"},
    })
    result = run(pytester, fake, "-rs")
    result.assert_outcomes(passed=1, failed=3, skipped=1)
    result.stdout.fnmatch_lines([
        "collected 5 items",
        "*FAIL: A.Fail on provider mock",
        "  S14: text of S14",
        "event not signaled",
        "observed:",
        "  wsa_error = 10045",
        "*BROKEN: A.Broken on provider mock*",
        "*TIMEOUT: A.Timeout on provider mock*",
        "SKIPPED*NOT_SUPPORTED: no IPv6 loopback",
    ])
    assert len(fake.runs()) == 1  # one batch


def test_batches_and_runner_flags(pytester, fake):
    fake.spec({f"B.Case{i}": {} for i in range(5)})
    result = run(pytester, fake, "--wsaconform-batch-size=2", "--wsaconform-chaos-seed=7",
                 "--wsaconform-mutant=inline-apc", "--wsaconform-case-timeout=5")
    result.assert_outcomes(passed=5)
    runs = fake.runs()
    assert len(runs) == 3
    for argv in runs:
        assert {"--provider=mock", "--chaos-seed=7", "--mutant=inline-apc", "--case-timeout=5"} <= set(argv)
        assert any(a.startswith("--results=") for a in argv) and any(a.startswith("--case-list=") for a in argv)


def test_crash_is_blamed_on_the_case_that_crashes_alone(pytester, fake):
    fake.spec({"C.First": {}, "C.Crashes": {"statements": ["S26"], "crash": True}, "C.After": {}})
    result = run(pytester, fake)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*CRASH: C.Crashes on provider mock*", "*died of signal 9*"])
    # The first batch; a batch starting at the crashing case; that case alone
    # (the runner's order need not be the list's, so only alone is it to blame);
    # then the rest.
    assert len(fake.runs()) == 4


def test_hang_is_killed_and_fails(pytester, fake, monkeypatch):
    monkeypatch.setattr(pytest_plugin, "BATCH_GRACE_SECONDS", 1)
    fake.spec({"H.Hangs": {"hang": True}})
    result = run(pytester, fake, "--wsaconform-case-timeout=1")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*TIMEOUT: H.Hangs*", "*killed after 2 s*"])


def test_select_by_statement_with_k(pytester, fake):
    fake.spec({"K.One": {"statements": ["S14"]}, "K.Two": {"statements": ["S22"]}})
    result = run(pytester, fake, "-k", "S22")
    result.assert_outcomes(passed=1, deselected=1)
    assert len(fake.runs()) == 1


def test_results_copy_feeds_collate(pytester, fake, tmp_path):
    from wsaconform import collate

    fake.spec({"R.One": {"statements": ["S1"]}, "R.Two": {"statements": ["S1"], "crash": True}})
    out = tmp_path / "copy.jsonl"
    run(pytester, fake, f"--wsaconform-results={out}").assert_outcomes(passed=1, failed=1)
    dataset_path = tmp_path / "dataset.json"
    assert collate.main([str(out), "--out", str(dataset_path)]) == 0
    dataset = json.loads(dataset_path.read_text())
    assert [p["key"] for p in dataset["providers"]] == ["mock · fake 1.0"]  # the CRASH line joins its column
    assert dataset["statements"][0]["results"]["mock · fake 1.0"]["verdict"] == "UNKNOWN"


def test_missing_runner_is_a_usage_error(pytester, fake):
    result = pytester.runpytest("-p", "wsaconform.pytest_plugin", "--wsaconform-provider=mock",
                                f"--wsaconform-runner={fake.path}.missing")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*runner*missing does not exist*"])


def test_failing_list_is_a_usage_error(pytester, fake, monkeypatch):
    monkeypatch.setenv("FAKE_SPEC", "not json")
    result = run(pytester, fake)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--list --provider=mock failed: json.decoder.JSONDecodeError*"])


def test_runner_from_environment(pytester, fake, monkeypatch):
    fake.spec({"E.One": {}})
    monkeypatch.setenv("WSAC_RUNNER", fake.path)
    result = pytester.runpytest("-p", "wsaconform.pytest_plugin", "--wsaconform-provider=mock", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_plugin_is_inert_without_a_provider(pytester, fake):
    fake.spec({"X.One": {}})
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n")
    result = pytester.runpytest("-p", "wsaconform.pytest_plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert fake.calls() == []


def test_windows_runner_goes_through_wine(tmp_path, monkeypatch):
    if sys.platform == "win32":
        pytest.skip("Wine is for non-Windows hosts")
    exe = tmp_path / "mingw" / "runner" / "wsaconform-runner.exe"
    exe.parent.mkdir(parents=True)
    exe.write_text("MZ")
    command = pytest_plugin.runner_command("winsock", str(exe))
    assert command == ["sh", str(pytest_plugin.WINE_RUN), f"--default-prefix={tmp_path / 'mingw' / 'wineprefix'}",
                       str(exe)]
    monkeypatch.setattr(pytest_plugin, "MINGW_BUILD", tmp_path / "mingw")
    assert pytest_plugin.runner_command("winsock", None)[-1] == str(exe)
    monkeypatch.setattr(pytest_plugin, "MINGW_BUILD", tmp_path / "nothing")
    with pytest.raises(pytest.UsageError, match="no wsaconform-runner.exe"):
        pytest_plugin.runner_command("winsock", None)

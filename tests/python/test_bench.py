"""The benchmarks measure what they say: the floor case exists, a timed run reads only case lines."""

import json
import os
import subprocess
import sys
from fnmatch import fnmatchcase

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import benchlib  # noqa: E402
import suite  # noqa: E402

needs_runner = pytest.mark.skipif(not os.access(benchlib.NATIVE_RUNNER, os.X_OK),
                                  reason=f"native runner not built: {benchlib.NATIVE_RUNNER}")


@needs_runner
def test_the_floor_is_measured_on_every_mechanism_and_call_of_one_body():
    listing = json.loads(subprocess.run([str(benchlib.NATIVE_RUNNER), "--provider=mock", "--list"],
                                        capture_output=True, text=True, check=True).stdout)["cases"]
    floor = [c for c in listing if fnmatchcase(c["id"], suite.FLOOR_CASES)]
    assert len(floor) == 8  # 4 mechanisms x WSARecv, WSARecvFrom
    assert {c["suite"] + "." + c["name"] for c in floor} == {"ReceiveIndication.ImmediateCompletionAlreadyIndicated"}


def test_a_timed_run_returns_its_wall_time_and_case_lines_only(fake_runner, tmp_path, monkeypatch):
    monkeypatch.setattr(benchlib, "runner_command", lambda provider: fake_runner.split())
    monkeypatch.setenv("FAKE_CASES", "3")
    monkeypatch.setenv("FAKE_LATE", "Case00")
    wall, records = benchlib.timed_run("mock", 2, tmp_path / "out")
    assert wall > 0
    assert [r["id"] for r in records] == [f"Fake/Suite.Case{n:02d}/Mock" for n in range(3)]

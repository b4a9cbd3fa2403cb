"""Shared fixtures: the wsaconform command and the fake runner."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "reports"))  # when pytest runs from outside the tree

FAKE_RUNNER = Path(__file__).with_name("fake_runner.py")


@pytest.fixture
def fake_runner() -> str:
    """A runner command line (for --runner) that speaks the runner's contract."""
    return f"{sys.executable} {FAKE_RUNNER}"


@pytest.fixture
def wsaconform():
    """Runs ./wsaconform with extra environment; returns the CompletedProcess."""

    def run(*args, env=None, timeout=120):
        return subprocess.run(
            [str(ROOT / "wsaconform"), *args],
            env=dict(os.environ, **(env or {})),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run

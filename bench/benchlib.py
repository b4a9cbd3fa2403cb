"""What the bench scripts share: the built runners, and one timed `wsaconform run`."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NATIVE_RUNNER = ROOT / "build" / "native" / "runner" / "wsaconform-runner"
MINGW_RUNNER = ROOT / "build" / "mingw" / "runner" / "wsaconform-runner.exe"


def runner_command(provider: str) -> list[str]:
    """The built runner of a provider. Given to `run` as --runner, so it neither builds nor stops
    Wine's server between runs: every run meets the same booted prefix."""
    if provider == "mock":
        return [str(NATIVE_RUNNER)]
    return ["sh", str(ROOT / "cmake" / "wine-run.sh"), f"--default-prefix={ROOT / 'build' / 'mingw' / 'wineprefix'}",
            str(MINGW_RUNNER)]


def boot(provider: str) -> None:
    """Starts the runner once, so a Wine prefix's boot is not charged to the first measured run."""
    subprocess.run(runner_command(provider) + ["--list-providers"], stdout=subprocess.DEVNULL, check=True)


def timed_run(provider: str, jobs: int, out: Path, case_filter: str | None = None) -> tuple[float, list[dict]]:
    """Wall seconds of one `wsaconform run` (listing the cases included) and its case records."""
    argv = [str(ROOT / "wsaconform"), "run", "--provider", provider, "--jobs", str(jobs),
            "--runner", shlex.join(runner_command(provider)), "--no-report", "--out", str(out)]
    argv += [f"--filter={case_filter}"] if case_filter else []
    started = time.monotonic()
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        sys.exit(f"bench: {shlex.join(argv)} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    lines = (out / provider / "results.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return wall, [r for r in records if r.get("record", "case") == "case"]

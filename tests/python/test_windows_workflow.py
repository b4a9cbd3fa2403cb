"""The Windows workflow (.github/workflows/windows.yml) cannot run here; what can be
checked here is that every wsaconform command it runs exists with the options it
passes, so the first run on GitHub's runners does not stop at a renamed option."""

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"


def workflow_commands():
    """(subcommand, options) of each `python -m wsaconform SUB ...` line, with the
    workflow's shell continuations joined."""
    text = WORKFLOW.read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for match in re.finditer(r"python -m wsaconform (\w+)([^\n|&;]*)", text):
        words = shlex.split(match.group(2).replace("${{", "X").replace("}}", "X"), posix=True)
        found.append((match.group(1), sorted({w.split("=")[0] for w in words if w.startswith("--")})))
    return found


def test_the_workflow_runs_wsaconform_commands():
    subcommands = {sub for sub, _ in workflow_commands()}
    assert {"catalog", "run", "report", "certify", "verify"} <= subcommands


@pytest.mark.parametrize("subcommand, options", workflow_commands())
def test_each_command_of_the_workflow_takes_its_options(wsaconform, subcommand, options):
    done = wsaconform(subcommand, "--help")
    assert done.returncode == 0, done.stderr
    known = set(re.findall(r"--[a-z][a-z-]*", done.stdout))
    assert set(options) <= known, f"{subcommand} does not take {sorted(set(options) - known)}"

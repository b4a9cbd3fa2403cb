"""The wsaconform command line: subcommands, one-line errors, exit codes."""

import pytest

from wsaconform import cli
from wsaconform.errors import UsageError


def test_help_lists_every_subcommand(wsaconform):
    done = wsaconform("--help")
    assert done.returncode == 0
    for name in ("run", "test", "collate", "report", "gate"):
        assert name in done.stdout


def test_no_subcommand_is_a_usage_error(wsaconform):
    done = wsaconform()
    assert done.returncode == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["bogus"], "invalid choice: 'bogus'"),
        (["run", "--jobs", "0"], "must be at least 1"),
        (["run", "--timeout", "soon"], "expected a whole number"),
        (["run", "--no-such-option"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(wsaconform, args, message):
    done = wsaconform(*args)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("wsaconform: error: ") and message in done.stderr


def test_a_runner_that_cannot_start_is_an_error_not_a_traceback(wsaconform, tmp_path):
    done = wsaconform("run", "--runner", str(tmp_path / "missing-runner"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("wsaconform: error: cannot start runner")


def test_filter_matching_nothing_is_an_error(wsaconform, fake_runner, tmp_path):
    done = wsaconform("run", "--runner", fake_runner, "--out", str(tmp_path), "--filter", "NoSuch*")
    assert done.returncode == 2
    assert "no case matches --filter" in done.stderr


def test_missing_subcommand_module_is_reported_clearly(monkeypatch, capsys):
    monkeypatch.setitem(cli.SUBCOMMANDS, "gate", ("no_such_module", "gate"))
    assert cli.main(["gate", "x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wsaconform: error: 'gate' is not available")
    assert "Traceback" not in err


def test_usage_error_from_a_subcommand_is_one_line(monkeypatch, capsys):
    class Failing:
        @staticmethod
        def add_arguments(parser):
            pass

        @staticmethod
        def run(args):
            raise UsageError("results.jsonl:3: malformed result line")

    monkeypatch.setattr(cli, "_load", lambda name: Failing)
    assert cli.main(["report"]) == 2
    assert capsys.readouterr().err == "wsaconform: error: results.jsonl:3: malformed result line\n"


def test_interrupt_exits_130(monkeypatch, capsys):
    class Interrupted:
        @staticmethod
        def add_arguments(parser):
            pass

        @staticmethod
        def run(args):
            raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_load", lambda name: Interrupted)
    assert cli.main(["run"]) == 130

"""The `wsaconform` command: one parser, a subcommand per stage.

run and test live here; collate, report, gate, diff and expectations belong to their own modules
and are imported only when used, so one that is missing or broken costs its
own subcommand, not the whole command. Anything the user can cause ends as
one line `wsaconform: error: ...` and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .errors import UsageError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# name -> (module, one-line help)
SUBCOMMANDS = {
    "run": ("runcmd", "build, run the conformance cases against every provider, report"),
    "test": ("selftest", "build and run the project's own tests"),
    "collate": ("collate", "merge results files into one dataset"),
    "report": ("report", "render HTML, Markdown, JUnit and JSON from results"),
    "gate": ("gate", "compare results with expectations; exit status for CI"),
    "diff": ("diff", "compare two runs: new failures, fixed, changed signatures, new and removed cases"),
    "expectations": ("derive", "expectations files: 'derive' drafts one from results"),
    "killmatrix": ("killmatrix", "run every mutant; fail when no check of its own statement catches one"),
    "flakes": ("flakes", "run the suite N times shuffled; list every case whose outcome changed"),
    "catalog": ("catalog", "the machine's Winsock catalog, like `netsh winsock show catalog`"),
    "certify": ("certify", "run the whole suite against catalog entries; write a certificate package per entry"),
    "verify": ("verify", "check a certificate package: its files, its verdicts, its case list"),
}


class _Parser(argparse.ArgumentParser):
    """argparse's errors, in the command's one-line form."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"wsaconform: error: {message}\n")


def _load(name: str):
    module_name = SUBCOMMANDS[name][0]
    try:
        return importlib.import_module(f"wsaconform.{module_name}")
    except ImportError as err:
        raise UsageError(f"'{name}' is not available: module wsaconform.{module_name} cannot be imported ({err})")


def build_parser(argv: list[str]) -> tuple[argparse.ArgumentParser, object | None]:
    """The parser, with only the chosen subcommand's module imported."""
    parser = _Parser(prog="wsaconform", description="Conformance suite for Winsock 2 overlapped socket providers.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    module = None
    for name, (_, help_text) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text)
        if name == chosen:
            module = _load(name)
            module.add_arguments(sub)
    return parser, module


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser, module = build_parser(argv)
        args = parser.parse_args(argv)
        if module is None:
            parser.print_help()
            return EXIT_USAGE
        return module.run(args)
    except UsageError as err:
        print(f"wsaconform: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nwsaconform: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 1

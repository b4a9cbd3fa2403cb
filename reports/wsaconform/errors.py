"""Errors the command line shows as one line, without a traceback.

Anything a user can cause (a missing or malformed file, a bad option value,
results that cannot be combined) raises UsageError; the cli prints
``wsaconform: error: <message>`` and exits 2. Bugs in wsaconform itself stay
ordinary exceptions so their traceback is not hidden.
"""

import sys

EXIT_USAGE = 2


class UsageError(Exception):
    """A one-line problem the user can fix; str(err) is the whole message."""


def warn(message):
    """A problem that does not stop the command (a duplicate result line)."""
    print(f"wsaconform: warning: {message}", file=sys.stderr)


def main_for(add_arguments, run, prog, argv=None):
    """Runs one subcommand on its own (tests, ``python3 -m wsaconform.gate``).

    The real entry point is cli.py, which wires the same add_arguments/run
    pairs into one parser and catches UsageError the same way.
    """
    import argparse

    parser = argparse.ArgumentParser(prog=prog)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except UsageError as err:
        print(f"wsaconform: error: {err}", file=sys.stderr)
        return EXIT_USAGE

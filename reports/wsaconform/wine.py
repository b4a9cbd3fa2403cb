"""The Wine prefix the mingw build's programs run in.

cmake/wine-run.sh owns the protocol (prefix location, boot marker, lock, a
persistent wineserver with its stdio on /dev/null); this module only asks it
to boot, builds the command that runs a .exe through it, and stops the server.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from . import env
from .build import ROOT

WINE_RUN = ROOT / "cmake" / "wine-run.sh"
# A first boot of a prefix takes ~10 s on two cores; far more means Wine hangs.
BOOT_TIMEOUT_S = 300


def prefix_for(build_dir: Path) -> Path:
    """The prefix wine-run.sh uses for a build tree (WSAC_WINEPREFIX wins)."""
    override = os.environ.get("WSAC_WINEPREFIX")
    return Path(override) if override else build_dir / "wineprefix"


def command(build_dir: Path) -> list[str]:
    """The argv prefix that runs a Windows program of build_dir under Wine."""
    return ["sh", str(WINE_RUN), f"--default-prefix={build_dir / 'wineprefix'}"]


def boot(build_dir: Path) -> None:
    """Boots the prefix and leaves a persistent wineserver and Wine's services running.

    wine-run.sh boots a fresh prefix, but after `wineserver -k` it only starts
    a bare server: the first program to run then starts Wine's services
    itself, and they inherit that program's stdout and stderr, so ctest (or
    our result reader) waits on those pipes until its timeout. Running
    `wineboot` here, with stdio on /dev/null, starts them where nobody reads.
    It also keeps the ~10 s of a fresh boot out of every per-case deadline.
    """
    env.log(f"booting Wine prefix {prefix_for(build_dir)}")
    # Not a pipe: the services wineboot starts would hold it open forever.
    log_path = build_dir / "wineboot.log"
    with open(log_path, "wb") as log:
        try:
            returncode = subprocess.run(
                [*command(build_dir), "wineboot"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, timeout=BOOT_TIMEOUT_S,
            ).returncode
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"Wine prefix did not boot in {BOOT_TIMEOUT_S} s (see {log_path})") from None
    if returncode != 0:
        raise RuntimeError(f"Wine prefix did not boot: exit {returncode} (see {log_path})")


def stop(build_dir: Path) -> None:
    """Ends the prefix's wineserver and every Wine process still in it."""
    prefix = prefix_for(build_dir)
    if not prefix.is_dir():
        return
    subprocess.run(
        [env.WINESERVER, "-k"],
        env=dict(os.environ, WINEPREFIX=str(prefix)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )

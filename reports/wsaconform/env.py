"""What this machine has for building and running the suite, and installing the rest.

`run` and `test` call ensure_packages() first (`test` adds the browser that
the report's browser test drives): as root it installs what is missing (so a
fresh CI machine needs nothing but this repository); anyone else gets the
exact apt-get line to run and the command goes on without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Debian packages the project needs: build, cross build, Wine, our own tests.
PACKAGES = (
    "cmake",
    "g++",
    "libgtest-dev",
    "googletest",  # the sources the mingw build compiles GoogleTest from
    "wine64",
    "g++-mingw-w64-x86-64-posix",
    "python3-pytest",
    "python3-jinja2",
)

# What the browser test of the HTML report needs (tests/python/test_report_browser.py): `test`
# installs them too; `run` does not need them. Without them that test is skipped, saying so.
BROWSER_TEST_PACKAGES = ("chromium", "chromium-driver", "python3-selenium")

WINE = "/usr/lib/wine/wine64"
WINESERVER = "/usr/lib/wine/wineserver"
MINGW_CXX = "x86_64-w64-mingw32-g++-posix"

_apt_updated = False


def log(message: str) -> None:
    print(f"wsaconform: {message}", flush=True)


def missing_packages(packages=PACKAGES) -> list[str]:
    """Packages dpkg does not list as installed; [] where there is no dpkg."""
    if not shutil.which("dpkg-query"):
        return []
    missing = []
    for name in packages:
        probe = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        if probe.returncode != 0 or "install ok installed" not in probe.stdout:
            missing.append(name)
    return missing


def apt_install_line(packages) -> str:
    return "sudo apt-get install -y --no-install-recommends " + " ".join(packages)


def ensure_packages(packages=PACKAGES) -> list[str]:
    """Installs missing packages as root; returns those still missing."""
    missing = missing_packages(packages)
    if not missing:
        return []
    if not _is_root():
        log(f"missing packages: {' '.join(missing)}; install them with:")
        log(f"  {apt_install_line(missing)}")
        log("going on without them")
        return missing
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    global _apt_updated
    # One update per process: a fresh machine's package lists may be empty,
    # and a second update would only cost time.
    if not _apt_updated:
        log("apt-get update")
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
        _apt_updated = True
    log(f"installing: {' '.join(missing)}")
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
        env=env,
        check=False,
    )
    still = missing_packages(missing)
    if still:
        log(f"could not install: {' '.join(still)}; going on without them")
    return still


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def on_windows() -> bool:
    return sys.platform == "win32"


@dataclass(frozen=True)
class Tools:
    """Which builds this machine can make and run."""

    native: bool  # cmake and a C++ compiler
    mingw: bool  # the mingw-w64 cross compiler and GoogleTest's sources
    wine: bool  # Wine to run what mingw builds
    why_not: dict  # part -> reason it is unavailable

    @property
    def cross(self) -> bool:
        """The mingw build can be built and run here."""
        return self.mingw and self.wine


def detect_tools() -> Tools:
    why_not = {}
    native = bool(shutil.which("cmake")) and bool(shutil.which("c++") or shutil.which("g++") or on_windows())
    if not native:
        why_not["native"] = "cmake or a C++ compiler is missing"
    mingw = not on_windows() and bool(shutil.which(MINGW_CXX)) and Path("/usr/src/googletest").is_dir()
    if not mingw:
        why_not["mingw"] = f"{MINGW_CXX} or /usr/src/googletest is missing"
    wine = not on_windows() and os.access(WINE, os.X_OK) and os.access(WINESERVER, os.X_OK)
    if not wine:
        why_not["wine"] = f"{WINE} is missing"
    return Tools(native=native, mingw=mingw, wine=wine, why_not=why_not)


def compiler_has_asan() -> bool:
    """Whether the host C++ compiler links an AddressSanitizer program."""
    cxx = os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++")
    if not cxx:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "probe.cc")
        source.write_text("int main() { return 0; }\n")
        probe = subprocess.run(
            [cxx, "-fsanitize=address", str(source), "-o", str(Path(tmp, "probe"))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return probe.returncode == 0


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1

"""Builds through CMakePresets.json: presets `native`, `mingw`, `asan`.

Each preset builds into build/<preset>. CMake decides what is stale, so
calling build() on an up-to-date tree costs a second; configure runs only when
the tree has no build system yet (a changed CMakeLists.txt reconfigures itself
during the build).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from . import env


def _find_root() -> Path:
    # Run from the source tree (./wsaconform), the package sits in reports/;
    # an installed package builds the tree it is started in.
    here = Path(__file__).resolve().parents[2]
    for candidate in (here, Path.cwd()):
        if (candidate / "CMakePresets.json").is_file():
            return candidate
    return here


ROOT = _find_root()

# Two cores are the machine's size (and CI's): more jobs only thrash.
BUILD_JOBS = 2


class BuildError(Exception):
    """A configure or build step failed; its output is already on the console."""


def build_dir(preset: str) -> Path:
    return ROOT / "build" / preset


RUNNER_TARGET = "wsaconform-runner"


def build(preset: str, *, jobs: int = BUILD_JOBS, target: str | list[str] | None = None) -> Path:
    """Configures (once) and builds a preset (or some targets of it); returns its build directory."""
    if not (ROOT / "CMakePresets.json").is_file():
        raise BuildError(f"{ROOT / 'CMakePresets.json'} is missing")
    directory = build_dir(preset)
    if not _generated(directory):
        _step(f"configure {preset}", ["cmake", "--preset", preset])
    targets = [target] if isinstance(target, str) else list(target or [])
    only = ["--target", *targets] if targets else []
    _step(f"build {preset}", ["cmake", "--build", "--preset", preset, "-j", str(jobs), *only])
    return directory


def _generated(directory: Path) -> bool:
    # A cache alone is not enough: a configure that failed leaves one behind
    # but no build system, and `cmake --build` cannot regenerate from it.
    return (directory / "CMakeCache.txt").is_file() and any(
        (directory / name).exists() for name in ("build.ninja", "Makefile", "ALL_BUILD.vcxproj")
    )


def _step(title: str, argv: list[str]) -> None:
    env.log(f"{title}: {' '.join(argv)}")
    sys.stdout.flush()
    if subprocess.run(argv, cwd=ROOT).returncode != 0:
        raise BuildError(f"{title} failed")


def runner_path(preset: str) -> Path | None:
    """The built runner of a preset, or None when it has not been built."""
    directory = build_dir(preset) / "runner"
    names = ["wsaconform-runner.exe"] if preset == "mingw" or env.on_windows() else ["wsaconform-runner"]
    for name in names:
        # Multi-config generators (Visual Studio) add a configuration directory.
        for candidate in [directory / name, *sorted(directory.glob(f"*/{name}"))]:
            if candidate.is_file():
                return candidate
    return None

#!/bin/sh
# Runs a Windows executable under Wine: the CMAKE_CROSSCOMPILING_EMULATOR of
# the mingw-w64 build, so ctest and the orchestrator start .exe files as if
# they were native.
#
#   wine-run.sh [--default-prefix=DIR] PROGRAM.exe [ARGS...]
#
# WINEPREFIX: $WSAC_WINEPREFIX if set, else DIR (the toolchain passes
# <build dir>/wineprefix), else ./wineprefix. The exit code is the program's.
#
# Before the program starts, the prefix is booted once and a persistent
# wineserver is running. Why: if wine64 started the server itself, the server
# would inherit the test's stdout/stderr, and ctest (which reads those pipes
# to EOF) would wait for it to exit; booting inside a test would also charge
# ~10 s to whichever test came first. Several tests start at once under
# `ctest -j`, so the check runs under an flock.
set -eu

default_prefix=$(pwd)/wineprefix
case "${1:-}" in
  --default-prefix=*) default_prefix=${1#--default-prefix=}; shift ;;
esac
if [ $# -eq 0 ]; then
  echo "usage: wine-run.sh [--default-prefix=DIR] PROGRAM.exe [ARGS...]" >&2
  exit 2
fi

WINE=${WSAC_WINE:-/usr/lib/wine/wine64}
WINESERVER=${WSAC_WINESERVER:-/usr/lib/wine/wineserver}
WINEPREFIX=${WSAC_WINEPREFIX:-$default_prefix}
# -all by default: Wine's fixme lines on stderr would bury the program's own
# output. A WINEDEBUG already set (for debugging Wine itself) is kept.
WINEDEBUG=${WINEDEBUG:--all}
export WINEPREFIX WINEDEBUG

for tool in "$WINE" "$WINESERVER"; do
  if [ ! -x "$tool" ]; then
    echo "wine-run.sh: $tool not found (Debian: apt-get install wine64)" >&2
    exit 127
  fi
done

mkdir -p "$WINEPREFIX"
(
  flock 9
  # Starts one if none runs for this prefix (exit 0); exits 2 at once if one
  # already does, so this is cheap (~10 ms) on every run. The server forks
  # into the background only once its socket is ready. Its stdio is
  # /dev/null and fd 9 is closed for it, or it would hold the lock forever.
  started=0
  if "$WINESERVER" -p </dev/null >/dev/null 2>&1 9>&-; then started=1; fi
  # A new server has no services.exe, winedevice.exe, ... yet: the first
  # Windows process would start them, and they would inherit (and hold open)
  # that process's stdout/stderr. wineboot starts them here on /dev/null.
  # mscoree/mshtml are disabled because, with no network, --init would
  # otherwise try to offer the Mono and Gecko installers.
  if [ ! -e "$WINEPREFIX/.wsac-booted" ]; then
    if WINEDLLOVERRIDES="mscoree,mshtml=" "$WINE" wineboot --init </dev/null >/dev/null 2>&1 9>&-; then
      : >"$WINEPREFIX/.wsac-booted"
    else
      echo "wine-run.sh: wineboot --init failed for prefix $WINEPREFIX" >&2
      exit 1
    fi
  elif [ "$started" = 1 ]; then
    if ! "$WINE" wineboot </dev/null >/dev/null 2>&1 9>&-; then
      echo "wine-run.sh: wineboot failed for prefix $WINEPREFIX" >&2
      exit 1
    fi
  fi
) 9>"$WINEPREFIX/.wsac-lock"

exec "$WINE" "$@"

#!/usr/bin/env bash
# Times the whole kill matrix: every mutant against every case of the
# statement it breaks, each run to the end (CI stops at the first killing
# case), mutants and their cases in parallel processes. Budget: under 10
# minutes on a 2-core machine. The matrix over all cases (--all-cases) is
# far longer: mutants that drop data make nearly every case wait out its
# deadline.
#
#   bench/kill_matrix.sh [JOBS]        JOBS defaults to 8 per core
#
# Prints the matrix summary and the wall time; writes out/bench/kill-matrix.json.
set -euo pipefail
cd "$(dirname "$0")/.."
# Runners spend their time in deadlines and quiet windows, not on the CPU, so
# many more processes than cores run without slowing each other down.
jobs=${1:-$((8 * $(nproc)))}
runner=build/native/runner/wsaconform-runner
if [ ! -x "$runner" ]; then
  cmake --preset native >/dev/null
  cmake --build --preset native -j"$(nproc)" --target wsaconform-runner >/dev/null
fi
mkdir -p out/bench
start=$(date +%s.%N)
status=0
./wsaconform killmatrix --complete --jobs "$jobs" --out out/bench/kill-matrix.json | tail -n 3 || status=$?
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v j="$jobs" 'BEGIN { printf "kill matrix (every mutant x every case of its statement, %d jobs): %.1f s\n", j, e - s }'
exit $status

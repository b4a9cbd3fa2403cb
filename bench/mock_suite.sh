#!/usr/bin/env bash
# Times the full conformance suite on the mock in one runner process: the
# clean run, then one run per chaos seed given. Target (issue 12): the clean
# run in 3 s or less on 2 cores. The mock's clock is virtual by default
# (suite/providers/mock/mock_model.h, "Time"), so what is left is computing
# and the waits cases make outside the provider, which the virtual clock
# cannot shorten; the slowest cases are listed to find them.
#
#   bench/mock_suite.sh [SEED...]
#   WSAC_MOCK_CLOCK=real bench/mock_suite.sh     the machine's clock, to compare
#
# Writes out/bench/mock-suite[-seed-N].jsonl; prints per run the wall time,
# the verdicts and the five slowest cases.
set -euo pipefail
cd "$(dirname "$0")/.."
runner=build/native/runner/wsaconform-runner
if [ ! -x "$runner" ]; then
  cmake --preset native >/dev/null
  cmake --build --preset native -j"$(nproc)" --target wsaconform-runner >/dev/null
fi
mkdir -p out/bench
clock=${WSAC_MOCK_CLOCK:-virtual}

time_run() {
  local label=$1 results=$2
  shift 2
  rm -f "$results"
  local start end
  start=$(date +%s.%N)
  # Exit 1 only says some case did not pass; the verdicts are printed below.
  "$runner" --provider=mock --results="$results" "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
  end=$(date +%s.%N)
  python3 - "$label" "$clock" "$start" "$end" "$results" <<'EOF'
import collections, json, sys
label, clock, start, end, path = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
cases = [json.loads(line) for line in open(path)]
verdicts = collections.Counter(c["verdict"] for c in cases)
total = sum(c["duration_ms"] for c in cases) / 1000
print(f"mock suite, {label}, {clock} clock: {end - start:.2f} s wall, {len(cases)} cases "
      f"({', '.join(f'{n} {v}' for v, n in verdicts.most_common())}), case times sum to {total:.2f} s")
for c in sorted(cases, key=lambda c: -c["duration_ms"])[:5]:
    print(f"  {c['duration_ms']:8.1f} ms  {c['id']}")
EOF
}

time_run "clean" out/bench/mock-suite.jsonl
for seed in "$@"; do
  time_run "chaos seed $seed" "out/bench/mock-suite-seed-$seed.jsonl" --chaos-seed="$seed"
done

#!/usr/bin/env bash
# Runs the full criterion suite RUNS times (default 2), one after the other,
# pinned to the last CPU, keeping each run's results in
# $TARGET/bench-runs/runN, then regenerates the BENCHMARKS.md table and
# benches/chart.svg from the medians of all runs.
#
# Usage: scripts/bench/run.sh [RUNS] [-- extra criterion args]
# Regenerate the report alone from saved runs: scripts/bench/report.py
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
runs="${1:-2}"
shift || true
[[ "${1:-}" == "--" ]] && shift

target="${CARGO_TARGET_DIR:-$root/target}"
cpu="$(( $(nproc) - 1 ))"
pin=()
command -v taskset >/dev/null && pin=(taskset -c "$cpu")

cargo bench --bench cors --no-run
rm -rf "$target/bench-runs"
mkdir -p "$target/bench-runs"
for i in $(seq 1 "$runs"); do
    rm -rf "$target/criterion"
    echo "run.sh: full run $i of $runs" >&2
    nice "${pin[@]}" cargo bench --bench cors -- "$@"
    cp -r "$target/criterion" "$target/bench-runs/run$i"
done
python3 scripts/bench/report.py "$target"/bench-runs/run*

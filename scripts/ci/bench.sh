#!/usr/bin/env bash
# CI entry for the benchmarks: compiles every bench target and runs each
# scenario once. Nothing here looks at timing; what can fail is a build
# error, a scenario deciding other than the corpus expects, or any heap
# allocation on a corsgate request path (the bench's allocation gate), and
# the instruction-count driver and report script breaking.
#
# Every check runs even after one fails; the last line counts them.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

passed=0
failed=0

# check DESCRIPTION COMMAND...: runs one check and counts its outcome.
check() {
    local what=$1
    shift
    echo "bench.sh: $what" >&2
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "bench.sh: FAILED: $what" >&2
    fi
}

build_benches() {
    cargo bench --benches --no-run &&
        cargo bench -p corsgate-tower --benches --no-run
}

# --test mode writes no estimates, so the report script is checked on a
# minimal criterion tree of the shape it reads.
report_script() {
    local out rc
    out="$(mktemp -d)"
    python3 - "$out" <<'PY' &&
import json, pathlib, sys
d = pathlib.Path(sys.argv[1]) / "g" / "f" / "new"
d.mkdir(parents=True)
(d / "benchmark.json").write_text(json.dumps(
    {"group_id": "preflight/chrome", "function_id": "corsgate/head", "throughput": {"Bytes": 553}}))
(d / "estimates.json").write_text(json.dumps({"median": {"point_estimate": 80.0}}))
PY
        python3 - "$out" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("report", "scripts/bench/report.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
t = m.combine([m.load_run(sys.argv[1])])
assert abs(t[("preflight/chrome", "corsgate/head")]["ns"] - 80.0) < 1e-9, t
print(m.targets(t))
PY
    rc=$?
    rm -rf "$out"
    return $rc
}

check "building benches" build_benches
check "criterion smoke test (each scenario once, --test mode)" \
    cargo bench --bench cors -- --test
check "corsgate-tower against tower-http, each scenario once (--test mode)" \
    cargo bench -p corsgate-tower --bench layer -- --test
check "instruction-count driver, every scenario once" cargo bench --bench icount
check "report script on a minimal criterion tree" report_script

echo "bench.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

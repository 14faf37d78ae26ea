#!/usr/bin/env bash
# CI entry for the benchmarks: compiles every bench target and runs each
# scenario once. Nothing here looks at timing; what can fail is a build
# error, a scenario deciding other than the corpus expects, or any heap
# allocation on a corsgate request path (the bench's allocation gate), and
# the instruction-count driver and report script breaking.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

echo "bench.sh: building benches" >&2
cargo bench --benches --no-run
cargo bench -p corsgate-tower --benches --no-run

echo "bench.sh: criterion smoke test (each scenario once, --test mode)" >&2
cargo bench --bench cors -- --test

echo "bench.sh: corsgate-tower against tower-http, each scenario once (--test mode)" >&2
cargo bench -p corsgate-tower --bench layer -- --test

echo "bench.sh: instruction-count driver, every scenario once" >&2
cargo bench --bench icount

echo "bench.sh: report script on the smoke run's output" >&2
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
python3 - "$out" <<'PY'
import json, pathlib, sys
# --test mode writes no estimates; fabricate none, just check the script
# parses a minimal criterion tree it would be given.
d = pathlib.Path(sys.argv[1]) / "g" / "f" / "new"
d.mkdir(parents=True)
(d / "benchmark.json").write_text(json.dumps(
    {"group_id": "preflight/chrome", "function_id": "corsgate/head", "throughput": {"Bytes": 553}}))
(d / "estimates.json").write_text(json.dumps({"median": {"point_estimate": 80.0}}))
PY
python3 -c '
import importlib.util, sys
spec = importlib.util.spec_from_file_location("report", "scripts/bench/report.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
t = m.combine([m.load_run(sys.argv[1])])
assert abs(t[("preflight/chrome", "corsgate/head")]["ns"] - 80.0) < 1e-9, t
print(m.targets(t))
' "$out"
echo "bench.sh: 3 passed, 0 failed"

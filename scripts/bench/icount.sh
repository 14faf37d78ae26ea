#!/usr/bin/env bash
# Instructions per evaluation, counted by cachegrind: a figure that does not
# move with machine noise, for spotting regressions without timing.
#
# For each scenario and form (raw head, header list) the driver
# (benches/icount.rs) runs N1 and N2 evaluations under
# `valgrind --tool=cachegrind --cache-sim=no`; (Ir(N2) - Ir(N1)) / (N2 - N1)
# cancels start-up and policy compilation. Prints a Markdown table.
#
# Usage: scripts/bench/icount.sh [DRIVER_BINARY|""] [SCENARIO...]
#   With no (or an empty) binary, builds the driver with the bench profile first.
#   Environment: N1 (default 200), N2 (default 2200).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
n1="${N1:-200}"
n2="${N2:-2200}"

command -v valgrind >/dev/null || { echo "icount.sh: valgrind is required" >&2; exit 1; }

driver=""
if [[ $# -gt 0 && ( -z "$1" || -x "$1" ) ]]; then
    driver="$1"
    shift
fi
if [[ -z "$driver" ]]; then
    driver="$(cargo build --profile bench --bench icount --message-format=json-render-diagnostics \
        | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "icount" and m.get("executable"):
        print(m["executable"])')"
fi

if [[ $# -gt 0 ]]; then
    scenarios=("$@")
else
    scenarios=(
        preflight/chrome actual/firefox-cookies actual/denied no-origin
        origins/1 origins/1000/last origins/1000+100-patterns/last
        origins/1000+100-patterns/missing origins/1000+100-patterns/wildcard
        adversarial/64k-head adversarial/acrh-10k/listed/repeat adversarial/acrh-10k/echo/commas
        adversarial/long-origin/253-host
    )
fi

irefs() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$driver" "$@" 2>&1 \
        | sed -n 's/.*I *refs: *//p' | tr -d ','
}

echo "| scenario | head Ir/eval | list Ir/eval |"
echo "|---|---:|---:|"
for s in "${scenarios[@]}"; do
    row="| \`$s\`"
    for form in head list; do
        a="$(irefs "$s" "$form" "$n1")"
        b="$(irefs "$s" "$form" "$n2")"
        [[ -n "$a" && -n "$b" ]] || { echo "icount.sh: no count for $s $form" >&2; exit 1; }
        row+=" | $(( (b - a) / (n2 - n1) ))"
    done
    echo "$row |"
done

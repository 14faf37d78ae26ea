#!/usr/bin/env bash
# Runs corsgate's fuzz targets, one after the other, for N seconds each.
#
#   scripts/fuzz/run.sh [SECONDS] [TARGET...]
#
# SECONDS defaults to 60; the targets default to all of them (`cargo fuzz
# list`). Each target starts from its committed seeds (fuzz/corpus/TARGET)
# and its regression inputs (fuzz/regressions/TARGET), uses its dictionary
# when it has one (fuzz/dict/TARGET.dict), and writes the inputs it
# discovers to $FUZZ_WORK/TARGET (default fuzz/.work/TARGET), never to the
# committed corpus. A finding stops the script with a non-zero status; the
# crashing input is in fuzz/artifacts/TARGET/.
#
# Environment: FUZZ_WORK (discovered inputs), FUZZ_RSS_MB (default 2048),
# FUZZ_TIMEOUT (seconds per input, default 10), FUZZ_NICE (default 10).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fuzz_dir=$(cd "$here/../../fuzz" && pwd)
seconds=${1:-60}
shift || true
work=${FUZZ_WORK:-$fuzz_dir/.work}
rss=${FUZZ_RSS_MB:-2048}
timeout=${FUZZ_TIMEOUT:-10}
niceness=${FUZZ_NICE:-10}

cd "$fuzz_dir"
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

# Build everything first, so that a compile error fails fast and the timed
# runs measure fuzzing only.
for t in "${targets[@]}"; do
    nice -n "$niceness" cargo +nightly fuzz build "$t"
done

for t in "${targets[@]}"; do
    mkdir -p "$work/$t" "corpus/$t"
    dirs=("$work/$t" "corpus/$t")
    [ -d "regressions/$t" ] && dirs+=("regressions/$t")
    flags=(-max_total_time="$seconds" -rss_limit_mb="$rss" -timeout="$timeout" -print_final_stats=1)
    [ -f "dict/$t.dict" ] && flags+=(-dict="dict/$t.dict")
    echo "== fuzz $t for ${seconds}s"
    nice -n "$niceness" cargo +nightly fuzz run "$t" "${dirs[@]}" -- "${flags[@]}"
done
echo "== fuzz: ${#targets[@]} target(s), no findings"

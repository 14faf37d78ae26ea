#!/usr/bin/env bash
# Runs every test of corsgate, installing what a fresh machine lacks.
#
#   scripts/test.sh            everything
#   scripts/test.sh core       only the Rust core (fmt, clippy, docs, tests, no_std)
#   scripts/test.sh capi nginx ...   only the named suites
#
# Suites: core capi nginx python go bench fuzz. Each prints its own results;
# the last line is a "N passed, N failed" summary over the suites.
set -uo pipefail
cd "$(dirname "$0")/.."

all_suites=(core capi nginx python go bench fuzz)
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=("${all_suites[@]}")

need_rust_bits() {
    rustup component add rustfmt clippy >/dev/null 2>&1 || true
    rustup target list --installed 2>/dev/null | grep -qx x86_64-unknown-none \
        || rustup target add x86_64-unknown-none
}

suite_core() {
    need_rust_bits
    set -e
    echo "--- cargo fmt --check"
    cargo fmt --all -- --check
    echo "--- cargo clippy"
    cargo clippy --workspace --all-targets -- -D warnings
    echo "--- cargo doc"
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
    echo "--- cargo test"
    cargo test --workspace
    echo "--- no_std builds (x86_64-unknown-none)"
    cargo build -p corsgate --no-default-features --target x86_64-unknown-none
    cargo build -p corsgate --no-default-features --features alloc --target x86_64-unknown-none
    echo "--- main job: corsgate eval on the example"
    cargo run --quiet -- eval --policy examples/policy.toml --request examples/chrome-preflight.http --format json
}

passed=0
failed=0
failed_names=()
for s in "${suites[@]}"; do
    echo "=== suite: $s"
    if [ "$s" = core ]; then
        ( suite_core )
    else
        script="scripts/ci/$s.sh"
        if [ ! -f "$script" ]; then
            echo "no such suite: $s ($script missing)"
            false
        else
            bash "$script"
        fi
    fi
    rc=$?
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1))
        echo "=== suite $s: ok"
    else
        failed=$((failed + 1))
        failed_names+=("$s")
        echo "=== suite $s: FAILED (exit $rc)"
    fi
done

[ $failed -gt 0 ] && echo "failed suites: ${failed_names[*]}"
echo "suites: $passed passed, $failed failed"
[ $failed -eq 0 ]

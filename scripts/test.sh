#!/usr/bin/env bash
# Runs every test of corsgate, installing what a fresh machine lacks.
#
#   scripts/test.sh            everything
#   scripts/test.sh core       only the Rust workspace: core, C ABI crate, CLI (fmt,
#                              clippy, docs, tests, no_std, dependency trees)
#   scripts/test.sh capi nginx ...   only the named suites
#
# Suites: core capi nginx haproxy python go bench fuzz. Each prints its own results;
# the last line is a "N passed, N failed" summary over the suites.
set -uo pipefail
cd "$(dirname "$0")/.."

all_suites=(core capi nginx haproxy python go bench fuzz)
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=("${all_suites[@]}")

need_rust_bits() {
    rustup component add rustfmt clippy >/dev/null 2>&1 || true
    rustup target list --installed 2>/dev/null | grep -qx x86_64-unknown-none \
        || rustup target add x86_64-unknown-none
}

# Fails if the normal (non-dev) dependency tree selected by the cargo tree
# arguments contains one of the crates named by the extended regex $1.
deps_exclude() {
    local pattern=$1
    shift
    local tree found
    tree=$(cargo tree "$@" -e normal --prefix none) || return 1
    found=$(grep -E "^($pattern) " <<<"$tree" | sort -u || true)
    if [ -n "$found" ]; then
        echo "cargo tree $* must not contain:"
        echo "$found"
        return 1
    fi
    echo "cargo tree $*: none of $pattern"
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
    echo "--- the CLI's dependencies stay out of the libraries"
    # clap and serde_json belong to cli/ (corsgate-cli) only. The C library
    # reaches serde through toml (the policy file parser), never serde_json,
    # serde's derive macros or clap.
    cli_only="clap|clap_builder|clap_derive|clap_lex|clap_complete|serde_json"
    deps_exclude "$cli_only|serde|serde_core|serde_derive" -p corsgate --no-default-features
    deps_exclude "$cli_only|serde_derive" -p corsgate
    deps_exclude "$cli_only|serde_derive" --manifest-path bindings/c/Cargo.toml
    echo "--- tower and http stay in bindings/tower (corsgate-tower), out of the core"
    tower_only="tower|tower-layer|tower-service|http|http-body|pin-project-lite|bytes"
    deps_exclude "$tower_only" -p corsgate
    deps_exclude "$tower_only" -p corsgate --no-default-features
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

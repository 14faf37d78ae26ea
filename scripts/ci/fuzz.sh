#!/usr/bin/env bash
# CI entry point for the fuzz smoke: every cargo-fuzz target runs for about
# 30 seconds from its committed seeds and regressions; any finding fails the
# job. Installs what it needs (the nightly toolchain, cargo-fuzz) when
# missing; idempotent.
#
#   scripts/ci/fuzz.sh [SECONDS]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
seconds=${1:-30}

if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi
# libFuzzer is C++ and is compiled by the libfuzzer-sys build script.
if ! command -v c++ >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update && apt-get install -y --no-install-recommends g++
    else
        echo "fuzz: a C++ compiler (g++) is required" >&2
        exit 1
    fi
fi

# Discovered inputs go to a scratch directory: CI never writes into the
# committed corpus.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
FUZZ_WORK="$work" FUZZ_NICE=0 "$here/../fuzz/run.sh" "$seconds"

#!/usr/bin/env bash
# CI entry for the Python package (bindings/python): installs it into a
# fresh virtual environment the way a user would (pip builds the Rust
# library with cargo and bundles it), checks formatting and runs the tests.
# Exits non-zero on any failure. Idempotent: the venv is recreated each run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${CORSGATE_PYTHON_VENV:-$ROOT/target/python-ci-venv}"
PYTHON="${PYTHON:-python3}"

# Test dependencies, pinned to released versions.
TEST_DEPS=(pytest==9.2.0 starlette==1.10.0 httpx==0.28.1 flask==3.1.3 black==26.10.1)

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null || { echo "python.sh: cargo is required" >&2; exit 1; }

if ! "$PYTHON" -m venv --clear "$VENV" >/dev/null 2>&1; then
    # Debian splits venv support out of the interpreter package.
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    "$PYTHON" -m venv --clear "$VENV"
fi
PY="$VENV/bin/python"

# The library under test must be the one bundled in the installed package.
unset CORSGATE_LIBRARY
"$PY" -m pip install --quiet "$ROOT/bindings/python"
"$PY" -m pip install --quiet "${TEST_DEPS[@]}"

"$PY" -m black --check "$ROOT/bindings/python" "$ROOT/scripts/python"

# The package lives in src/, which is not on sys.path from here, so
# `import corsgate` can only find the installed package.
cd "$ROOT/bindings/python"
"$PY" -c 'import corsgate, sys; sys.exit(0 if "site-packages" in corsgate.__file__ else "corsgate imported from the source tree")'
"$PY" -m pytest -q -p no:cacheprovider tests

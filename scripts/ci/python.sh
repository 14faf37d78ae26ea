#!/usr/bin/env bash
# CI entry for the Python package (bindings/python): installs it into a
# fresh virtual environment the way a user would (pip builds the Rust
# library with cargo, bundles it and compiles the C extension), checks
# formatting, compiles the extension's C source with strict warnings, and
# runs the test suite once per backend (the extension, then
# ctypes). Also checks that an install without a C compiler still succeeds,
# on ctypes. Exits non-zero on any failure. Idempotent: the venv and the
# package's build directory are recreated each run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${CORSGATE_PYTHON_VENV:-$ROOT/target/python-ci-venv}"
PYTHON="${PYTHON:-python3}"

# Test dependencies, pinned to released versions.
# setuptools: tests/test_setup.py runs setup.py's commands in the venv (the
# build itself installs its own, in pip's isolated build environment).
# flask-cors: not used by the tests; scripts/bench/python.py compares the
# WSGI middleware with it, and can then run from this venv. The package
# itself depends on none of these.
TEST_DEPS=(pytest==9.2.0 starlette==1.10.0 httpx==0.28.1 flask==3.1.3 black==26.10.1
    setuptools==80.9.0 flask-cors==6.0.5)

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
unset CORSGATE_LIBRARY CORSGATE_BACKEND
"$PY" -m pip install --quiet "${TEST_DEPS[@]}"

# pip builds the local directory in place: a stale build/ would leak into
# the wheel (setuptools skips an extension it believes up to date).
install() {
    rm -rf "$ROOT/bindings/python/build"
    "$PY" -m pip install "$@" --force-reinstall --no-deps "$ROOT/bindings/python"
}

# 1. Without a C compiler the install must succeed, warn, and run on ctypes
# (pip shows the build's output, and so the warning, with -v only).
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
CC=false install -v >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
grep -q "corsgate._speedups) was not" "$log" || {
    cat "$log" >&2
    echo "python.sh: no warning when the extension could not be built" >&2
    exit 1
}
(cd / && "$PY" -c 'import corsgate, sys; sys.exit(corsgate.BACKEND != "ctypes")') || {
    echo "python.sh: a package built without a compiler does not run on ctypes" >&2
    exit 1
}

# 2. The real install. CORSGATE_BUILD_EXTENSION=yes: this machine has a
# compiler and the Python headers, so a failed extension build fails CI.
CORSGATE_BUILD_EXTENSION=yes install --quiet

# Every Python file of the repository (host tests, benches, scripts) keeps
# black's format; black skips what .gitignore lists (target/, venvs).
"$PY" -m black --check "$ROOT"

# setuptools compiles the extension with the interpreter's own flags, which
# let warnings through: check it once more as strict C99, warnings fatal,
# against the headers of the Python that runs the tests.
python_include="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
cc -fsyntax-only -std=c99 -Wall -Wextra -Wpedantic -Werror \
    -I"$ROOT/include" -I"$python_include" \
    "$ROOT/bindings/python/src/corsgate/_speedups.c"

# The package lives in src/, which is not on sys.path from here, so
# `import corsgate` can only find the installed package.
cd "$ROOT/bindings/python"
"$PY" -c 'import corsgate, sys; sys.exit(0 if "site-packages" in corsgate.__file__ else "corsgate imported from the source tree")'

# The extension must resolve libcorsgate to the copy bundled next to it,
# the one ctypes loads (corsgate checks that at import too).
pkg="$("$PY" -c 'import corsgate, os; print(os.path.dirname(corsgate.__file__))')"
# (ldd's output is captured first: `ldd | grep -q` fails at random under
# pipefail, when grep exits on the match while ldd still writes.)
linked="$(ldd "$pkg"/_speedups*.so)"
grep -q "libcorsgate.so.[0-9]* => $pkg/libcorsgate.so" <<<"$linked" || {
    echo "$linked" >&2
    echo "python.sh: _speedups does not load the bundled libcorsgate" >&2
    exit 1
}

for backend in extension ctypes; do
    echo "python.sh: tests with CORSGATE_BACKEND=$backend"
    CORSGATE_BACKEND=$backend "$PY" -m pytest -q -p no:cacheprovider tests
done

#!/bin/sh
# CI entry point for the nginx module: installs nginx and nginx-dev when
# missing, builds libcorsgate.a and target/nginx/ngx_http_cors_module.so
# against the installed nginx, and the module's test-only engine-failure
# build, and runs the tests in bindings/nginx/t against the real nginx on
# 127.0.0.1.  Then builds nginx from source with
# the module compiled in (--add-module, bindings/nginx/build-static.sh) and
# runs the same tests against that binary.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)

# Debian packages from $@ that are not installed.
missing_packages() {
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q "ok installed" ||
            printf '%s ' "$pkg"
    done
}

apt_install() {
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

if ! command -v nginx >/dev/null 2>&1 || [ ! -x /usr/share/nginx/src/configure ]; then
    apt_install nginx nginx-dev
fi

# headers-more, for the more_set_headers test against Debian's nginx
missing=$(missing_packages libnginx-mod-http-headers-more-filter)
if [ -n "$missing" ]; then
    # shellcheck disable=SC2086 # a list of package names
    apt_install $missing
fi

if ! python3 -c "import pytest" >/dev/null 2>&1; then
    python3 -m pip install --quiet pytest ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y python3-pytest
fi

# builds the static library (make lib: cargo, then libcorsgate.a) and the module,
# relinking it when the library changed
"$root/bindings/nginx/build.sh"

# target/nginx/test-panic/ngx_http_cors_module.so, for test_engine_failure.py:
# the module with -DCORSGATE_TEST_PANIC, linked with the C ABI's test-panic
# feature (a debug build, in the target directory the capi suite uses too)
"$root/bindings/nginx/build-test-panic.sh"

cd "$root/bindings/nginx/t"
echo "== nginx tests: dynamic module in $(command -v nginx)"
NGX_CORS_STATIC=0 python3 -m pytest -q -p no:cacheprovider -rs .

# The static build compiles nginx itself: its compiler, make, and the
# libraries of nginx's default modules (PCRE2 for rewrite, zlib for gzip,
# crypt for auth_basic); curl fetches the pinned source tarball once.
missing=$(missing_packages build-essential libpcre2-dev zlib1g-dev libcrypt-dev curl ca-certificates)
if [ -n "$missing" ]; then
    # shellcheck disable=SC2086 # a list of package names
    apt_install $missing
fi

# libcorsgate.a was built just above; a rerun reconfigures and recompiles
# nothing unless the module, corsgate.h or libcorsgate.a changed
SKIP_CARGO=1 nice "$root/bindings/nginx/build-static.sh"

echo "== nginx tests: module compiled into target/nginx/static/sbin/nginx"
NGX_CORS_STATIC=1 python3 -m pytest -q -p no:cacheprovider -rs .

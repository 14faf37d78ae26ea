#!/bin/sh
# Builds target/nginx/test-panic/ngx_http_cors_module.so, a test-only build
# of the module for the installed nginx: compiled with -DCORSGATE_TEST_PANIC
# and linked against a debug libcorsgate_ffi.a with the C ABI's "test-panic"
# feature, so that a request from https://engine-panic.test makes the engine
# call panic inside the library's panic boundary.  t/test_engine_failure.py
# runs it to check the module's real failure path.  Never ship this build.
#
#   bindings/nginx/build-test-panic.sh
#
# Environment:
#   CORSGATE_TEST_PANIC_LIB  a libcorsgate.a built with the "test-panic"
#                            feature (default: built here by cargo, in the
#                            target directory the C ABI's own panic test uses)
#   SKIP_CARGO=1             do not run cargo
#   NGINX_SRC, NGINX_CONFIGURE, NGINX_CC_OPT  as for build.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
panic_target=$root/target/capi-test-panic

if [ -z "${CORSGATE_TEST_PANIC_LIB:-}" ] && [ "${SKIP_CARGO:-0}" != 1 ]; then
    (cd "$root" && cargo build -p corsgate-c --features test-panic --target-dir "$panic_target")
fi

SKIP_CARGO=1 \
CORSGATE_LIB=${CORSGATE_TEST_PANIC_LIB:-$panic_target/debug/libcorsgate_ffi.a} \
NGX_CORS_OUT=$root/target/nginx/test-panic \
NGX_CORS_EXTRA_CC_OPT=-DCORSGATE_TEST_PANIC \
    exec "$here/build.sh"

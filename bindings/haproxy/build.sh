#!/bin/sh
# Builds target/haproxy/corsgate.so, the Lua C module for HAProxy 2.6+, with
# libcorsgate linked in statically, and copies corsgate.lua beside it.
#
#   bindings/haproxy/build.sh
#
# On a fresh Debian/Ubuntu machine it first installs what is missing:
# haproxy, lua5.3 and liblua5.3-dev (run as root, or install them first).
#
# Environment:
#   SKIP_CARGO=1       do not build libcorsgate.a (it is already built)
#   CARGO_TARGET_DIR   where cargo puts libcorsgate.a (default: <repo>/target)
#   CORSGATE_LIB, CORSGATE_INCLUDE  use another libcorsgate.a / corsgate.h
#   LUA_INCLUDE        Lua 5.3 headers (default: /usr/include/lua5.3)
#   CC, CFLAGS         compiler and its optimisation flags
#
# Debian's haproxy links liblua5.3 dynamically, so the module takes the
# lua_* functions from haproxy's own Lua: it must not link -llua5.3 (a second
# Lua runtime in the process would corrupt the interpreter's state).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/target/haproxy
lua_include=${LUA_INCLUDE:-/usr/include/lua5.3}

missing=""
command -v haproxy >/dev/null 2>&1 || missing="$missing haproxy"
command -v lua5.3 >/dev/null 2>&1 || missing="$missing lua5.3"
[ -f "$lua_include/lua.h" ] || missing="$missing liblua5.3-dev"
if [ -n "$missing" ]; then
    echo "build.sh: installing$missing"
    apt-get update
    # shellcheck disable=SC2086 # a list of package names
    DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
fi

# The one place that obtains libcorsgate.a.
if [ "${SKIP_CARGO:-0}" != 1 ]; then
    make -s -C "$root" lib
fi
CORSGATE_LIB=${CORSGATE_LIB:-${CARGO_TARGET_DIR:-$root/target}/release/libcorsgate.a}
CORSGATE_INCLUDE=${CORSGATE_INCLUDE:-$root/include}

if [ ! -f "$CORSGATE_LIB" ]; then
    echo "build.sh: no libcorsgate.a at $CORSGATE_LIB" >&2
    exit 1
fi

mkdir -p "$out"
cc=${CC:-cc}
cflags=${CFLAGS:--O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2}
# shellcheck disable=SC2086 # $cflags is a list of flags
"$cc" -std=c11 -shared -fPIC -Wall -Wextra -Werror $cflags \
    -I"$lua_include" -I"$CORSGATE_INCLUDE" \
    "$here/corsgate_lua.c" "$CORSGATE_LIB" \
    -Wl,--version-script="$here/corsgate.map" -Wl,--exclude-libs,ALL \
    -Wl,--gc-sections -Wl,-z,relro,-z,now \
    -lpthread -ldl -lm \
    -o "$out/corsgate.so.tmp"
mv "$out/corsgate.so.tmp" "$out/corsgate.so"
cp "$here/corsgate.lua" "$out/corsgate.lua"

# Exactly one dynamic export, or the Rust runtime leaks into haproxy's
# symbol namespace.
exports=$(nm -D --defined-only "$out/corsgate.so" | awk '{print $3}')
if [ "$exports" != "luaopen_corsgate" ]; then
    echo "build.sh: corsgate.so exports more than luaopen_corsgate:" >&2
    echo "$exports" >&2
    exit 1
fi
echo "built $out/corsgate.so"

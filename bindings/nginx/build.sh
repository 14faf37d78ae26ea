#!/bin/sh
# Builds target/nginx/ngx_http_cors_module.so for the nginx installed on
# this machine (Debian/Ubuntu: apt-get install nginx nginx-dev).
#
#   bindings/nginx/build.sh
#
# Environment:
#   NGINX_SRC        nginx source tree to build against
#                    (default: /usr/share/nginx/src, from nginx-dev)
#   NGINX_CONFIGURE  extra ./configure arguments; the default, --with-compat,
#                    is what makes a dynamic module load into a binary that
#                    was configured with --with-compat (Debian's is)
#   NGINX_CC_OPT     C compiler options for the module (default: the
#                    optimisation and hardening flags Debian builds its own
#                    nginx with; nginx's configure alone would use -O)
#   NGX_CORS_EXTRA_CC_OPT  more C compiler options, added to NGINX_CC_OPT
#   NGX_CORS_OUT     where the build directory and the module go
#                    (default: <repo>/target/nginx)
#   CARGO_TARGET_DIR where cargo puts libcorsgate.a (default: <repo>/target)
#   SKIP_CARGO=1     do not build the library (`make lib` already ran)
#   CORSGATE_LIB, CORSGATE_INCLUDE  use another libcorsgate.a / corsgate.h
#
# The module is relinked whenever libcorsgate.a or corsgate.h changed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
nginx_src=${NGINX_SRC:-/usr/share/nginx/src}
cargo_target=${CARGO_TARGET_DIR:-$root/target}
out=${NGX_CORS_OUT:-$root/target/nginx}
build=$out/build

if [ ! -x "$nginx_src/configure" ]; then
    echo "build.sh: no nginx source tree at $nginx_src" >&2
    echo "build.sh: install nginx-dev or set NGINX_SRC" >&2
    exit 1
fi

if [ "${SKIP_CARGO:-0}" != 1 ]; then
    # cargo build plus the names hosts link against (libcorsgate.a)
    make -s -C "$root" lib
fi

CORSGATE_LIB=${CORSGATE_LIB:-$cargo_target/release/libcorsgate.a}
CORSGATE_INCLUDE=${CORSGATE_INCLUDE:-$root/include}
export CORSGATE_LIB CORSGATE_INCLUDE

mkdir -p "$build"

# configure is slow (seconds) and its result only depends on its arguments
# and the module's config file (which lists the module's sources): run it
# again only when one of them changed.
args="${NGINX_CONFIGURE:---with-compat} --add-dynamic-module=$here --builddir=$build"
cc_opt="${NGINX_CC_OPT:--g -O2 -fstack-protector-strong -Wformat -Werror=format-security -fPIC -D_FORTIFY_SOURCE=2} ${NGX_CORS_EXTRA_CC_OPT:-}"
stamp="$build/.configure-args"
want="$nginx_src $args $cc_opt $CORSGATE_LIB $(cksum < "$here/config")"
if [ ! -f "$build/Makefile" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    # shellcheck disable=SC2086 # $args is a list of arguments
    (cd "$nginx_src" && ./configure $args --with-cc-opt="$cc_opt") > "$build/configure.log" 2>&1 || {
        cat "$build/configure.log" >&2
        exit 1
    }
    echo "$want" > "$stamp"
fi

make -s -f "$build/Makefile" -C "$nginx_src" modules
cp "$build/ngx_http_cors_module.so" "$out/ngx_http_cors_module.so"
echo "built $out/ngx_http_cors_module.so"

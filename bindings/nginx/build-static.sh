#!/bin/sh
# Builds an nginx with ngx_http_cors_module compiled in (--add-module), from
# the upstream nginx source release, into target/nginx/static/sbin/nginx.
#
#   bindings/nginx/build-static.sh
#
# The source tarball is downloaded once into target/nginx/src-cache/, checked
# against a pinned SHA-256 and unpacked into target/nginx/static/.  nginx is
# configured with its default module set (rewrite, auth_basic, access,
# limit_req, limit_conn, proxy, map, headers, log) plus auth_request, which
# the tests also use, and the module, and built with make -j2.  Rerunning is
# quick: configure runs again only when its arguments or the module's config
# changed, and make relinks nginx only when the module's sources,
# corsgate.h or libcorsgate.a changed (the config lists them as dependencies).
#
# Needs a C compiler, make, and the headers of PCRE2 (or PCRE), zlib and
# libcrypt (Debian: build-essential libpcre2-dev zlib1g-dev libcrypt-dev);
# this script only says what is missing, scripts/ci/nginx.sh installs them.
#
# Environment:
#   NGINX_VERSION      nginx release to build (default: 1.22.1, the version
#                      Debian 12 ships)
#   NGINX_TARBALL_URL  where to download it (default: Debian's copy of the
#                      upstream release, nginx_<version>.orig.tar.gz); any
#                      nginx-<version>.tar.gz from nginx.org works too
#   NGINX_SHA256       its SHA-256; required when NGINX_VERSION or
#                      NGINX_TARBALL_URL is changed
#   NGINX_SRC          an already unpacked nginx source tree: no download
#   NGINX_CONFIGURE    extra ./configure arguments (e.g. --with-http_ssl_module)
#   NGINX_CC_OPT       C compiler options (default: the optimisation and
#                      hardening flags Debian builds its own nginx with)
#   CARGO_TARGET_DIR   where cargo puts libcorsgate.a (default: <repo>/target)
#   SKIP_CARGO=1       do not build the library (`make lib` already ran)
#   CORSGATE_LIB, CORSGATE_INCLUDE  use another libcorsgate.a / corsgate.h
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cargo_target=${CARGO_TARGET_DIR:-$root/target}
out=$root/target/nginx
static=$out/static
build=$static/build
cache=$out/src-cache

default_version=1.22.1
default_sha256=9ebb333a9e82b952acd3e2b4aeb1d4ff6406f72491bab6cd9fe69f0dea737f31
version=${NGINX_VERSION:-$default_version}
url=${NGINX_TARBALL_URL:-http://deb.debian.org/debian/pool/main/n/nginx/nginx_$version.orig.tar.gz}

die() {
    echo "build-static.sh: $*" >&2
    exit 1
}

# What the build needs that is not installed: the compiler and make, and
# the libraries nginx's default modules link (rewrite needs a PCRE, gzip
# zlib, auth_basic crypt()).  Checked by compiling, since header locations
# differ between distributions.
check_build_deps() {
    missing=
    command -v make >/dev/null 2>&1 || missing="$missing make"
    command -v cc >/dev/null 2>&1 || missing="$missing cc"
    if [ -z "$missing" ]; then
        probe=$(mktemp -d)
        has_header() {
            printf '#define PCRE2_CODE_UNIT_WIDTH 8\n#include <%s>\n' "$1" > "$probe/t.c"
            cc -E "$probe/t.c" >/dev/null 2>&1
        }
        # nginx takes PCRE2 or the older PCRE
        has_header pcre2.h || has_header pcre.h || missing="$missing libpcre2-dev"
        has_header zlib.h || missing="$missing zlib1g-dev"
        has_header crypt.h || missing="$missing libcrypt-dev"
        rm -rf "$probe"
    fi
    if [ -n "$missing" ]; then
        die "missing build dependencies:$missing (Debian package names)"
    fi
}

# Downloads the release into the cache (only if absent) and checks it; a
# download that does not match is kept aside as .bad for inspection, never
# used.
fetch() {
    tarball=$cache/$(basename "$url")
    mkdir -p "$cache"
    if [ ! -f "$tarball" ]; then
        echo "downloading $url"
        if command -v curl >/dev/null 2>&1; then
            curl -fsSL -o "$tarball.part" "$url"
        elif command -v wget >/dev/null 2>&1; then
            wget -q -O "$tarball.part" "$url"
        else
            die "neither curl nor wget is installed"
        fi
        mv "$tarball.part" "$tarball"
    fi
    actual=$(sha256sum "$tarball" | cut -d' ' -f1)
    if [ "$actual" != "$sha256" ]; then
        mv "$tarball" "$tarball.bad"
        die "SHA-256 mismatch for $url
  expected $sha256
  got      $actual
(the download is kept as $tarball.bad)"
    fi
}

# Unpacks into a scratch directory first, so that an interrupted run never
# leaves a half-unpacked tree that later runs would take as complete.
unpack() {
    src=$static/nginx-$version
    [ -x "$src/configure" ] && return
    rm -rf "$static/.unpack"
    mkdir -p "$static/.unpack"
    tar -xzf "$tarball" -C "$static/.unpack" --no-same-owner
    [ -x "$static/.unpack/nginx-$version/configure" ] ||
        die "$tarball does not hold nginx-$version/configure"
    rm -rf "$src"
    mv "$static/.unpack/nginx-$version" "$src"
    rmdir "$static/.unpack"
}

if [ -n "${NGINX_SRC:-}" ]; then
    src=$(cd "$NGINX_SRC" && pwd)
    [ -x "$src/configure" ] || die "no nginx source tree at $src"
    [ -f "$src/src/core/nginx.c" ] ||
        die "$src is not a complete nginx source tree (nginx-dev's headers are not enough for --add-module)"
else
    if [ "$version" != "$default_version" ] || [ -n "${NGINX_TARBALL_URL:-}" ]; then
        sha256=${NGINX_SHA256:-}
        [ -n "$sha256" ] || die "NGINX_SHA256 is required with NGINX_VERSION or NGINX_TARBALL_URL"
    else
        sha256=${NGINX_SHA256:-$default_sha256}
    fi
fi

check_build_deps

if [ "${SKIP_CARGO:-0}" != 1 ]; then
    # cargo build plus the names hosts link against (libcorsgate.a)
    make -s -C "$root" lib
fi

CORSGATE_LIB=${CORSGATE_LIB:-$cargo_target/release/libcorsgate.a}
CORSGATE_INCLUDE=${CORSGATE_INCLUDE:-$root/include}
export CORSGATE_LIB CORSGATE_INCLUDE

if [ -z "${NGINX_SRC:-}" ]; then
    fetch
    unpack
fi

mkdir -p "$build" "$static/sbin"

# The compiled-in prefix is target/nginx/static (the tests always pass -p
# and -c); the error log goes to stderr until the configuration names one,
# as in Debian's build, so that nginx -t never needs a logs/ directory.
args="--prefix=$static --error-log-path=stderr --builddir=$build --with-http_auth_request_module --add-module=$here ${NGINX_CONFIGURE:-}"
cc_opt=${NGINX_CC_OPT:--g -O2 -fstack-protector-strong -Wformat -Werror=format-security -fPIC -D_FORTIFY_SOURCE=2}
stamp="$build/.configure-args"
# the module's config lists its sources: a change there reconfigures too
want="$src $args $cc_opt $CORSGATE_LIB $CORSGATE_INCLUDE $(cksum < "$here/config")"
if [ ! -f "$build/Makefile" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "configuring $src"
    rm -f "$stamp"
    # shellcheck disable=SC2086 # $args is a list of arguments
    (cd "$src" && ./configure $args --with-cc-opt="$cc_opt") > "$build/configure.log" 2>&1 || {
        cat "$build/configure.log" >&2
        die "configure failed (log: $build/configure.log)"
    }
    echo "$want" > "$stamp"
fi

make -s -j2 -f "$build/Makefile" -C "$src" binary
if ! cmp -s "$build/nginx" "$static/sbin/nginx"; then
    cp "$build/nginx" "$static/sbin/nginx.new"
    mv "$static/sbin/nginx.new" "$static/sbin/nginx"
fi
echo "built $static/sbin/nginx"

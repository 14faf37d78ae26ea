#!/bin/sh
# CI entry point for the C ABI (bindings/c, include/corsgate.h).
#
# Installs what a fresh machine lacks (a C compiler, make, valgrind,
# pkg-config, cbindgen 0.29.4), then:
#   1. builds the library the documented way (`make lib` at the root: cargo
#      builds libcorsgate_ffi.{a,so}, make publishes them as
#      libcorsgate.{a,so}) and checks the artifacts (no output collision,
#      the published copies, SONAME, exported symbols exactly the header's
#      functions);
#   2. verifies that include/corsgate.h is what cbindgen generates;
#   3. runs the C tests plain, under ASan+UBSan and under valgrind;
#   4. installs into a scratch prefix and builds the README example through
#      pkg-config, against the shared and the static library;
#   5. runs the crate's own tests, which call every export through raw
#      pointers, under Miri (nightly), which checks the unsafe code itself
#      for undefined behaviour rather than its effects in one C program.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
CBINDGEN_VERSION=0.29.4

log() { printf '\n--- capi: %s\n' "$*"; }

# ---- tools -------------------------------------------------------------------
missing=""
command -v cc >/dev/null 2>&1 || missing="$missing build-essential"
command -v make >/dev/null 2>&1 || missing="$missing make"
command -v valgrind >/dev/null 2>&1 || missing="$missing valgrind"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
if [ -n "$missing" ]; then
    log "installing$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi

cbindgen=$(command -v cbindgen || true)
[ -n "$cbindgen" ] || cbindgen="${CARGO_HOME:-$HOME/.cargo}/bin/cbindgen"
if ! "$cbindgen" --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
    log "installing cbindgen $CBINDGEN_VERSION"
    cargo install --locked --force cbindgen --version "$CBINDGEN_VERSION"
    cbindgen="${CARGO_HOME:-$HOME/.cargo}/bin/cbindgen"
fi

# ---- 1. the library ----------------------------------------------------------
log "make lib"
build_log=$(mktemp)
scratch=$(mktemp -d)
trap 'rm -rf "$build_log" "$scratch"' EXIT
# (no `| tee`: /bin/sh has no pipefail, and a failed build must stop here)
if ! make -s lib > "$build_log" 2>&1; then
    cat "$build_log"
    echo "capi: make lib failed" >&2
    exit 1
fi
cat "$build_log"
if grep -qi 'collision' "$build_log"; then
    echo "capi: cargo reported an output filename collision" >&2
    exit 1
fi
for kind in a so; do
    f=target/release/libcorsgate.$kind
    [ -f "$f" ] || { echo "capi: $f was not built" >&2; exit 1; }
    cmp -s "$f" "target/release/libcorsgate_ffi.$kind" || {
        echo "capi: $f is not cargo's libcorsgate_ffi.$kind" >&2
        exit 1
    }
done
[ -f target/release/libcorsgate_ffi.rlib ] || { echo "capi: no rlib for Rust users" >&2; exit 1; }

abi=$(sed -n 's/^#define CORSGATE_ABI_VERSION \([0-9][0-9]*\)$/\1/p' include/corsgate.h)
soname=$(readelf -d target/release/libcorsgate.so | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
echo "SONAME: $soname"
[ "$soname" = "libcorsgate.so.$abi" ] || {
    echo "capi: SONAME $soname, expected libcorsgate.so.$abi" >&2
    exit 1
}

# Every exported function is declared in the header and vice versa (the
# test-only export excepted): cbindgen silently skips what it cannot see.
nm -D --defined-only target/release/libcorsgate.so | awk '$2 == "T" { print $3 }' \
    | sort > "$scratch/exported"
grep -o 'corsgate_[a-z_]*(' include/corsgate.h | tr -d '(' | sort -u \
    | grep -vx corsgate_test_panic > "$scratch/declared"
if ! diff -u "$scratch/declared" "$scratch/exported"; then
    echo "capi: exported symbols and header declarations differ" >&2
    exit 1
fi
echo "exports: $(wc -l < "$scratch/exported") functions, all declared in include/corsgate.h"

# ---- 2. the header -----------------------------------------------------------
log "include/corsgate.h is current (cbindgen $CBINDGEN_VERSION --verify)"
make -s -C bindings/c check-header CBINDGEN="$cbindgen"
echo "header: up to date"

# ---- 3. the C tests ----------------------------------------------------------
log "C tests, plain"
make -s -C bindings/c test
log "C tests, AddressSanitizer + UndefinedBehaviorSanitizer"
make -s -C bindings/c test-asan
log "C tests, valgrind"
make -s -C bindings/c test-valgrind

# ---- 4. install and pkg-config -----------------------------------------------
log "make install PREFIX=<scratch> and the README example through pkg-config"
make -s install PREFIX="$scratch/prefix" >/dev/null
export PKG_CONFIG_PATH="$scratch/prefix/lib/pkgconfig"
# One ABI number (bindings/c/src/abi_version.rs) behind the header's macro,
# the SONAME and corsgate.pc; one version (Cargo) behind the .pc's.
pc_abi=$(pkg-config --variable=abi_version corsgate)
[ "$pc_abi" = "$abi" ] || {
    echo "capi: corsgate.pc says ABI $pc_abi, corsgate.h says $abi" >&2
    exit 1
}
cargo_version=$(cargo pkgid -p corsgate-c | sed 's/.*[#@]//')
[ "$(pkg-config --modversion corsgate)" = "$cargo_version" ] || {
    echo "capi: corsgate.pc version $(pkg-config --modversion corsgate), Cargo.toml $cargo_version" >&2
    exit 1
}
echo "versions: ABI $abi in corsgate.h, the SONAME and corsgate.pc; version $cargo_version in Cargo.toml and corsgate.pc"
example="$root/target/capi-tests/example.c"
expected="$root/target/capi-tests/example.expected"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$scratch/example-shared" "$example" \
    $(pkg-config --cflags --libs corsgate)
readelf -d "$scratch/example-shared" | grep -q "NEEDED.*\[libcorsgate.so.$abi\]" || {
    echo "capi: the example does not link libcorsgate.so.$abi" >&2
    exit 1
}
LD_LIBRARY_PATH="$scratch/prefix/lib" "$scratch/example-shared" > "$scratch/out-shared"
diff -u "$expected" "$scratch/out-shared"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$scratch/example-static" "$example" \
    $(pkg-config --cflags corsgate) "$scratch/prefix/lib/libcorsgate.a" \
    $(pkg-config --static --libs-only-l corsgate | sed 's/-lcorsgate//')
if readelf -d "$scratch/example-static" | grep -q 'libcorsgate'; then
    echo "capi: the static example depends on the shared library" >&2
    exit 1
fi
"$scratch/example-static" > "$scratch/out-static"
diff -u "$expected" "$scratch/out-static"
echo "install: libraries, header and corsgate.pc work through pkg-config (shared and static)"

# ---- 5. Miri -------------------------------------------------------------------
if ! rustup toolchain list | grep -q '^nightly'; then
    log "installing the nightly toolchain for Miri"
    rustup toolchain install nightly --profile minimal
fi
rustup component add --toolchain nightly miri rust-src >/dev/null 2>&1
log "the ABI crate's tests under Miri"
CARGO_TARGET_DIR="$root/target/miri" cargo +nightly miri test -p corsgate-c --lib

log "all C ABI checks passed"

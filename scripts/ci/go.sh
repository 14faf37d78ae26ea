#!/usr/bin/env bash
# CI entry for the Go module (bindings/go) and its benchmarks module
# (bindings/go/bench):
#   1. builds libcorsgate.a (build_library, the one place that knows how);
#   2. gofmt and go vet on both modules;
#   3. go test (vectors through EvaluateHeader and over HTTP, allocation
#      counts, middleware, hostile requests), then under -race;
#   4. a stress run with GOGC=1 and GODEBUG=cgocheck=1, and again built
#      with GOEXPERIMENT=cgocheck2 where the toolchain has it;
#   5. a few seconds of go test -fuzz;
#   6. the dynamic build tag against a scratch `make install` through
#      pkg-config, and the clear error a CGO_ENABLED=0 build gives;
#   7. the benchmarks module run once per benchmark (-benchtime 1x), which
#      checks that corsgate, rs/cors and jub0bs/cors agree on every scenario.
# Go itself is not installed here: the machine has it in /usr/local/go, which
# is used when PATH has no go.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MOD="$ROOT/bindings/go"
FUZZTIME="${CORSGATE_FUZZTIME:-5s}"

log() { printf '\n--- go: %s\n' "$*"; }

if ! command -v go >/dev/null 2>&1; then
    if [ -x /usr/local/go/bin/go ]; then
        export PATH="/usr/local/go/bin:$PATH"
    else
        echo "go.sh: no Go toolchain (go in PATH or /usr/local/go/bin/go); install Go 1.24 or newer" >&2
        exit 1
    fi
fi
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi
if ! command -v pkg-config >/dev/null 2>&1; then
    echo "go.sh: installing pkg-config (for the dynamic build tag)"
    apt-get update -qq && apt-get install -y -qq pkg-config >/dev/null
fi
# The toolchain on the machine, never one downloaded for a go.mod line.
export GOTOOLCHAIN=local CGO_ENABLED=1
go version

# The one place that knows how libcorsgate.a is produced; link_static.go's
# LDFLAGS line names where it lands.
build_library() {
    make -C "$ROOT/bindings/c" lib
}

log "build libcorsgate"
build_library

cd "$MOD"
log "gofmt"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
    echo "go.sh: not gofmt-formatted:" >&2
    echo "$unformatted" >&2
    exit 1
fi

log "go vet"
go vet ./...

log "go test"
out="$(mktemp)"
tmp="$(mktemp -d)"
trap 'rm -rf "$out" "$tmp"' EXIT
go test -count=1 -v ./... >"$out" 2>&1 || { cat "$out"; exit 1; }
grep -E '^(--- |ok |PASS|FAIL)|replayed' "$out"

log "go test -race"
go test -race -count=1 ./...

log "stress: GOGC=1 GODEBUG=cgocheck=1"
GOGC=1 GODEBUG=cgocheck=1 CORSGATE_STRESS=300 \
    go test -count=1 -run 'Stress|Concurrently|Vectors|Handler|Hostile' ./...
if GOEXPERIMENT=cgocheck2 go env GOEXPERIMENT >/dev/null 2>&1; then
    log "stress: GOEXPERIMENT=cgocheck2"
    GOEXPERIMENT=cgocheck2 GOGC=1 CORSGATE_STRESS=300 \
        go test -count=1 -run 'Stress|Concurrently|Vectors|Handler|Hostile' ./...
else
    log "this toolchain has no GOEXPERIMENT=cgocheck2; cgocheck=1 only"
fi

log "fuzz smoke ($FUZZTIME)"
go test -run '^$' -fuzz '^FuzzEvaluate$' -fuzztime "$FUZZTIME" .

log "dynamic build tag, through pkg-config"
make -C "$ROOT/bindings/c" install PREFIX="$tmp/prefix" >/dev/null
PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" LD_LIBRARY_PATH="$tmp/prefix/lib" \
    go test -tags dynamic -count=1 -run 'Vectors|Names' -v . >"$out" 2>&1 || { cat "$out"; exit 1; }
grep -E '^(ok |FAIL)|replayed' "$out"
PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" go test -tags dynamic -c -o "$tmp/dyn.test" .
if ! ldd "$tmp/dyn.test" | grep -q 'libcorsgate\.so'; then
    echo "go.sh: the dynamic build does not load libcorsgate.so" >&2
    exit 1
fi

log "CGO_ENABLED=0 fails with a message that says why"
if CGO_ENABLED=0 go build . >"$out" 2>&1; then
    echo "go.sh: a build without cgo succeeded" >&2
    exit 1
fi
grep -q corsgate_needs_cgo "$out" || { cat "$out"; exit 1; }

log "benchmarks module (each benchmark once; peers checked to agree)"
cd "$MOD/bench"
unformatted="$(gofmt -l .)"
[ -z "$unformatted" ] || { echo "go.sh: not gofmt-formatted: $unformatted" >&2; exit 1; }
go vet ./...
go test -count=1 -run . -bench . -benchtime 1x ./... >"$out" 2>&1 || { cat "$out"; exit 1; }
grep -E '^(ok |PASS|FAIL)' "$out"
echo "go: all checks passed"

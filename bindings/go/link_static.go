//go:build cgo && !dynamic

package corsgate

// The one place the static library is linked from. It is the repository's
// own build output (`make -C bindings/c lib`, which runs `cargo build
// --release` at the root), so `go build` needs that step first; see
// README.md. The extra libraries are what rustc lists for a static Rust
// library on Linux/glibc (`--print native-static-libs`).

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libcorsgate.a -lgcc_s -lutil -lrt -lpthread -lm -ldl
*/
import "C"

// LinkInfo says how the native library was linked: "static" here,
// "dynamic" under the dynamic build tag.
const LinkInfo = "static"

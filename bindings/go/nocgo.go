//go:build !cgo

package corsgate

// corsgate calls its Rust engine through cgo. Without cgo (CGO_ENABLED=0,
// or a cross build without a C toolchain) the package cannot work, and this
// undefined name turns that into a compile error that says so instead of a
// list of missing symbols.
var _ = corsgate_needs_cgo_set_CGO_ENABLED_1_and_a_C_compiler

//go:build cgo && dynamic

package corsgate

// With -tags dynamic the installed library is used instead of the
// repository's build output: `make install` puts libcorsgate.so,
// corsgate.h and corsgate.pc under PREFIX, and pkg-config finds them
// (set PKG_CONFIG_PATH for a PREFIX it does not search).

/*
#cgo pkg-config: corsgate
*/
import "C"

// LinkInfo says how the native library was linked: "dynamic" here,
// "static" without the dynamic build tag.
const LinkInfo = "dynamic"

// The single source of the ABI revision. build.rs includes this file to set
// the shared library's SONAME, cbindgen turns the constant into the
// header's CORSGATE_ABI_VERSION (from which the Makefile and corsgate.pc
// take it), and corsgate_abi_version() returns it: bump it here only.

/// The ABI revision this header describes. It changes whenever a change
/// would break a program compiled against an older header (a field moves,
/// a signature changes). Bindings compare it with `corsgate_abi_version()`
/// at load time and refuse a mismatch. The shared library's SONAME is
/// `libcorsgate.so.<CORSGATE_ABI_VERSION>`.
pub const CORSGATE_ABI_VERSION: u32 = 1;

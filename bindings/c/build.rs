//! Gives the shared library a SONAME, so that it can be installed and
//! packaged as `libcorsgate.so.<ABI>` with the usual symlinks.

/// Must equal `CORSGATE_ABI_VERSION` (src/abi/version.rs); a unit test
/// checks it through the `CORSGATE_SONAME` variable set below.
const ABI_VERSION: u32 = 1;

fn main() {
    let soname = format!("libcorsgate.so.{ABI_VERSION}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    println!("cargo:rustc-env=CORSGATE_SONAME={soname}");
    println!("cargo:rerun-if-changed=build.rs");
}

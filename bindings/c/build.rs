//! Gives the shared library a SONAME, so that it can be installed and
//! packaged as `libcorsgate.so.<ABI>` with the usual symlinks.

// `CORSGATE_ABI_VERSION`, from the file the crate itself uses.
include!("src/abi_version.rs");

fn main() {
    let soname = format!("libcorsgate.so.{CORSGATE_ABI_VERSION}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    println!("cargo:rustc-env=CORSGATE_SONAME={soname}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/abi_version.rs");
}

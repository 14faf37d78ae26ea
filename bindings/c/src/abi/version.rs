//! Versions: the crate version as macros and a string, and the ABI number
//! bindings check at load time.

use super::boundary::guard_or;
use super::slice::corsgate_slice;

/// The ABI revision this header describes. It changes whenever a change
/// would break a program compiled against an older header (a field moves,
/// a signature changes). Bindings compare it with `corsgate_abi_version()`
/// at load time and refuse a mismatch. The shared library's SONAME is
/// `libcorsgate.so.<CORSGATE_ABI_VERSION>`.
pub const CORSGATE_ABI_VERSION: u32 = 1;

/// The major part of corsgate's version.
pub const CORSGATE_VERSION_MAJOR: u32 = 0;
/// The minor part of corsgate's version.
pub const CORSGATE_VERSION_MINOR: u32 = 1;
/// The patch part of corsgate's version.
pub const CORSGATE_VERSION_PATCH: u32 = 0;

/// Parses a decimal number at compile time (the parts of the Cargo version).
const fn parse_u32(digits: &str) -> u32 {
    let bytes = digits.as_bytes();
    let mut value = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "version part is not a number");
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

// The header's macros are generated from the constants above, which cbindgen
// can read; these assertions keep them equal to the version in Cargo.toml.
const _: () = assert!(CORSGATE_VERSION_MAJOR == parse_u32(env!("CARGO_PKG_VERSION_MAJOR")));
const _: () = assert!(CORSGATE_VERSION_MINOR == parse_u32(env!("CARGO_PKG_VERSION_MINOR")));
const _: () = assert!(CORSGATE_VERSION_PATCH == parse_u32(env!("CARGO_PKG_VERSION_PATCH")));

/// The ABI revision of the loaded library; compare it with
/// `CORSGATE_ABI_VERSION`.
#[no_mangle]
pub extern "C" fn corsgate_abi_version() -> u32 {
    CORSGATE_ABI_VERSION
}

/// The version of the loaded library, e.g. `0.1.0` (static bytes, not
/// NUL-terminated).
#[no_mangle]
pub extern "C" fn corsgate_version() -> corsgate_slice {
    guard_or(corsgate_slice::EMPTY, || {
        corsgate_slice::from_bytes(env!("CARGO_PKG_VERSION").as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soname_follows_the_abi_version() {
        assert_eq!(
            env!("CORSGATE_SONAME"),
            format!("libcorsgate.so.{CORSGATE_ABI_VERSION}")
        );
        assert_eq!(corsgate_abi_version(), CORSGATE_ABI_VERSION);
    }

    #[test]
    fn version_string_matches_the_parts() {
        // SAFETY: static bytes.
        let v = unsafe { corsgate_version().as_bytes() }.unwrap();
        let want =
            format!("{CORSGATE_VERSION_MAJOR}.{CORSGATE_VERSION_MINOR}.{CORSGATE_VERSION_PATCH}");
        assert_eq!(v, want.as_bytes());
    }
}

//! Versions: the crate version as macros and a string, and the ABI number
//! bindings check at load time.

pub use crate::abi_version::CORSGATE_ABI_VERSION;
use crate::boundary::guard_or;
use crate::slice::corsgate_slice;

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

    /// What a C program compiled against this ABI revision relies on. A
    /// change here (`CORSGATE_MAX_HEADERS`, a field, a type) breaks such
    /// programs: bump `CORSGATE_ABI_VERSION` (src/abi_version.rs) and pin
    /// the new layout under the new number.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn layout_is_pinned_to_the_abi_version() {
        use crate::{corsgate_build_error, corsgate_decision, corsgate_field, corsgate_view};
        use core::mem::{offset_of, size_of};
        let layout = [
            crate::CORSGATE_MAX_HEADERS,
            size_of::<corsgate_slice>(),
            size_of::<corsgate_decision>(),
            offset_of!(corsgate_decision, status),
            offset_of!(corsgate_decision, header_count),
            offset_of!(corsgate_decision, headers),
            size_of::<corsgate_field>(),
            size_of::<corsgate_view>(),
            size_of::<corsgate_build_error>(),
        ];
        let pinned = match CORSGATE_ABI_VERSION {
            1 => [12, 16, 400, 4, 8, 16, 24, 104, 56],
            v => panic!("pin the layout of ABI revision {v} here: {layout:?}"),
        };
        assert_eq!(
            layout, pinned,
            "the C layout changed: bump CORSGATE_ABI_VERSION"
        );
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

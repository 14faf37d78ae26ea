//! The list of problems that made a policy build fail.

use core::ptr::NonNull;

use corsgate::{BuildErrors, ErrorKind};

use crate::boundary::{guard, guard_or};
use crate::result::corsgate_result;
use crate::slice::{corsgate_slice, handle_shaped, required, required_out};

/// Why a policy was refused, as in the core's `ErrorKind`. The numbers are
/// stable and only ever appended; `corsgate_build_error.kind` holds one.
#[repr(u16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum corsgate_error_kind {
    /// The policy file is not valid TOML (or not UTF-8).
    TomlSyntax = 1,
    /// A key of the policy file is not one corsgate knows.
    UnknownKey = 2,
    /// A key has a value of the wrong type.
    WrongType = 3,
    /// A key has a value outside its allowed set.
    InvalidValue = 4,
    /// `origins` is empty: there is no implicit default.
    NoOrigins = 10,
    /// `*` (or a pattern amounting to it) together with credentials.
    WildcardWithCredentials = 11,
    /// `null` without `dangerously_allow_null_origin`.
    NullOrigin = 12,
    /// A non-https, non-loopback origin with credentials.
    InsecureOrigin = 13,
    /// `*.` over a public suffix with credentials.
    PublicSuffixWildcard = 14,
    /// A `*` anywhere but a leading `*.` label, a `:*` port or a lone `*`.
    MisplacedWildcard = 15,
    /// A path, query or fragment.
    OriginHasPath = 16,
    /// Userinfo (`user@host`).
    OriginHasUserinfo = 17,
    /// An explicit default port.
    DefaultPort = 18,
    /// A port that is not 1–65535 in plain digits.
    InvalidPort = 19,
    /// Upper-case letters in the scheme or host.
    UppercaseOrigin = 20,
    /// Non-ASCII characters: write the punycode form.
    NonAsciiOrigin = 21,
    /// An `xn--` label that is not valid punycode.
    InvalidPunycode = 22,
    /// Anything else that is not a serialized origin.
    InvalidOrigin = 23,
    /// A credentialed policy admitted a canary origin.
    CanaryAllowed = 24,
    /// An origin or pattern over the request-side length caps (scheme,
    /// host, label or whole origin): no request could ever match it.
    OriginTooLong = 25,
    /// A method that is not a token.
    InvalidMethod = 30,
    /// CONNECT, TRACE or TRACK.
    ForbiddenMethod = 31,
    /// A request header name that is not a token.
    InvalidHeaderName = 32,
    /// A request header name browsers never let scripts set.
    ForbiddenRequestHeader = 33,
    /// `set-cookie` or an `access-control-*` name as an exposed header.
    ForbiddenExposedHeader = 34,
    /// `expose_headers = ["*"]` with credentials.
    WildcardExposeWithCredentials = 35,
    /// `max_age` outside 0..=86400.
    MaxAgeOutOfRange = 40,
    /// `preflight_status` other than 200 or 204.
    InvalidPreflightStatus = 41,
}

/// One problem, as `corsgate_errors_get` reports it. The three slices
/// borrow from the `corsgate_errors` object and stay valid until it is
/// freed.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_build_error {
    /// A `corsgate_error_kind` value.
    pub kind: u16,
    /// The kind's stable snake_case name, e.g. `insecure_origin`.
    pub kind_name: corsgate_slice,
    /// The offending value as written (a key name for key errors; may be
    /// empty).
    pub value: corsgate_slice,
    /// A sentence explaining the problem and how to fix it.
    pub message: corsgate_slice,
}

struct OwnedError {
    kind: u16,
    kind_name: &'static str,
    value: String,
    message: String,
}

/// The problems found in a refused policy, in the order they were found
/// (never empty). Opaque; free it with `corsgate_errors_free`.
pub struct corsgate_errors {
    list: Vec<OwnedError>,
}

impl corsgate_errors {
    pub(crate) fn from_build(errors: BuildErrors) -> Self {
        corsgate_errors {
            list: errors
                .into_iter()
                .map(|e| OwnedError {
                    kind: e.kind() as u16,
                    kind_name: e.kind().as_str(),
                    value: e.value().to_owned(),
                    message: e.message().to_owned(),
                })
                .collect(),
        }
    }

    /// A policy file that is not UTF-8 cannot be TOML.
    pub(crate) fn not_utf8(error: core::str::Utf8Error) -> Self {
        corsgate_errors {
            list: vec![OwnedError {
                kind: ErrorKind::TomlSyntax as u16,
                kind_name: ErrorKind::TomlSyntax.as_str(),
                value: String::new(),
                message: format!(
                    "the policy file is not valid UTF-8 (invalid byte at offset {})",
                    error.valid_up_to()
                ),
            }],
        }
    }
}

/// The number of errors in `errors`; 0 for NULL.
///
/// # Safety
///
/// `errors` is NULL or a live error list from corsgate (not yet freed with
/// `corsgate_errors_free`), which no other thread frees during the call.
#[no_mangle]
pub unsafe extern "C" fn corsgate_errors_len(errors: *const corsgate_errors) -> usize {
    guard_or(0, || match required(errors) {
        // SAFETY: non-NULL and aligned (`required`); a live list is the
        // pointer `Box::into_raw` returned in `publish`, not yet given back
        // to `Box::from_raw` (`corsgate_errors_free`), so it points to an
        // initialised `corsgate_errors`. corsgate never mutates a published
        // list, so a shared borrow for the call cannot alias a `&mut`.
        Ok(errors) => unsafe { errors.as_ref() }.list.len(),
        Err(_) => 0,
    })
}

/// Describes error number `index` (from 0) of `errors` into `*error_out`.
///
/// Returns `CORSGATE_RESULT_OUT_OF_RANGE` when `index` is not below
/// `corsgate_errors_len(errors)`.
///
/// # Safety
///
/// `errors` is NULL or a live error list from corsgate, which no other
/// thread frees during the call; `error_out` is NULL or points to writable
/// memory for one `corsgate_build_error`. The slices written there borrow
/// from `errors` and are valid until it is freed.
#[no_mangle]
pub unsafe extern "C" fn corsgate_errors_get(
    errors: *const corsgate_errors,
    index: usize,
    error_out: *mut corsgate_build_error,
) -> corsgate_result {
    guard(|| {
        let errors = required(errors)?;
        let out = required_out(error_out)?;
        // SAFETY: as in `corsgate_errors_len`: non-NULL, aligned, and a
        // live, never-mutated `corsgate_errors` from `publish`, which the
        // `# Safety` section above keeps alive during the call.
        let errors = unsafe { errors.as_ref() };
        let e = errors.list.get(index).ok_or(corsgate_result::OutOfRange)?;
        let described = corsgate_build_error {
            kind: e.kind,
            kind_name: corsgate_slice::from_bytes(e.kind_name.as_bytes()),
            value: corsgate_slice::from_bytes(e.value.as_bytes()),
            message: corsgate_slice::from_bytes(e.message.as_bytes()),
        };
        // SAFETY: `out` is non-NULL and aligned (`required_out`) and, per
        // the `# Safety` section above, writable for one
        // `corsgate_build_error`; `write` neither reads nor drops the old
        // contents (plain data that C may have left uninitialised).
        unsafe { out.as_ptr().write(described) };
        Ok(())
    })
}

/// Frees an error list. NULL is ignored, and so is a pointer not aligned
/// for an error list (it cannot be one).
///
/// # Safety
///
/// `errors` is NULL, misaligned, or a live error list from corsgate, freed
/// only once and not used afterwards (nor the slices `corsgate_errors_get`
/// gave out for it), by this thread or any other.
#[no_mangle]
pub unsafe extern "C" fn corsgate_errors_free(errors: *mut corsgate_errors) {
    guard_or((), || {
        if handle_shaped(errors) {
            // SAFETY: a live list is the pointer `Box::into_raw` returned in
            // `publish`, for a `Box<corsgate_errors>` (same type, same global
            // allocator). The caller frees it once and never uses it again,
            // so this `Box` is its only owner and no borrow of it survives.
            drop(unsafe { Box::from_raw(errors) });
        }
    })
}

/// Hands an error list to C through an optional `errors_out`. `None` (a
/// NULL `errors_out`) means the caller does not want the details; the list
/// is dropped.
///
/// # Safety
///
/// `errors_out`, when `Some`, is valid for writing one pointer.
pub(crate) unsafe fn publish(
    errors: corsgate_errors,
    errors_out: Option<NonNull<*mut corsgate_errors>>,
) {
    if let Some(errors_out) = errors_out {
        // Ownership passes to C until `corsgate_errors_free`.
        let raw = Box::into_raw(Box::new(errors));
        // SAFETY: `NonNull`, aligned (it comes from `optional_out`) and,
        // per this function's precondition, valid for writing one pointer;
        // `write` does not drop the old, possibly uninitialised, value.
        unsafe { errors_out.as_ptr().write(raw) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_mirror_the_core() {
        use corsgate_error_kind as K;
        let mirror = [
            K::TomlSyntax,
            K::UnknownKey,
            K::WrongType,
            K::InvalidValue,
            K::NoOrigins,
            K::WildcardWithCredentials,
            K::NullOrigin,
            K::InsecureOrigin,
            K::PublicSuffixWildcard,
            K::MisplacedWildcard,
            K::OriginHasPath,
            K::OriginHasUserinfo,
            K::DefaultPort,
            K::InvalidPort,
            K::UppercaseOrigin,
            K::NonAsciiOrigin,
            K::InvalidPunycode,
            K::InvalidOrigin,
            K::CanaryAllowed,
            K::OriginTooLong,
            K::InvalidMethod,
            K::ForbiddenMethod,
            K::InvalidHeaderName,
            K::ForbiddenRequestHeader,
            K::ForbiddenExposedHeader,
            K::WildcardExposeWithCredentials,
            K::MaxAgeOutOfRange,
            K::InvalidPreflightStatus,
        ];
        assert_eq!(
            mirror.len(),
            ErrorKind::ALL.len(),
            "a kind was added to the core"
        );
        for (m, k) in mirror.into_iter().zip(ErrorKind::ALL) {
            assert_eq!(m as u16, k as u16, "{k:?}");
            assert_eq!(format!("{m:?}"), format!("{k:?}"));
        }
    }
}

//! Building a policy in code: one setter per key of the policy file.

use corsgate_engine::{DeniedPreflight, Mode, PolicyBuilder};

use super::boundary::{corsgate_result, guard, guard_or, Outcome};
use super::errors::corsgate_errors;
use super::policy::{corsgate_policy, finish_build};
use super::slice::{input_str, required_out};

/// Collects a policy's settings. Opaque; created by `corsgate_builder_new`,
/// consumed by `corsgate_builder_build` (or freed with
/// `corsgate_builder_free`). Not thread-safe: use one builder from one
/// thread at a time.
pub struct corsgate_builder {
    settings: PolicyBuilder,
}

/// What happens to a preflight the policy denies (`denied_preflight`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum corsgate_denied_preflight {
    /// Answer it with 403 and no CORS headers (the default, `"reject"`).
    Reject = 0,
    /// Let the application answer it, without CORS headers (`"forward"`).
    Forward = 1,
}

/// Whether decisions change responses (`mode`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum corsgate_mode {
    /// Decisions carry headers and statuses (the default, `"enforce"`).
    Enforce = 0,
    /// Decide and report, change nothing (`"report-only"`).
    ReportOnly = 1,
}

/// Applies one setting to a live builder.
///
/// # Safety
///
/// `builder` is NULL or a live builder from corsgate, used by no other
/// thread during the call.
unsafe fn update(
    builder: *mut corsgate_builder,
    apply: impl FnOnce(PolicyBuilder) -> PolicyBuilder,
) -> Outcome {
    let mut builder = required_out(builder)?;
    // SAFETY: a live builder is a `Box` we handed out; the caller does not
    // use it concurrently.
    let settings = &mut unsafe { builder.as_mut() }.settings;
    *settings = apply(core::mem::take(settings));
    Ok(())
}

/// Creates an empty builder in `*builder_out`. Origins must be added: a
/// policy has no default origin.
///
/// # Safety
///
/// `builder_out` is writable.
#[no_mangle]
pub unsafe extern "C" fn corsgate_builder_new(
    builder_out: *mut *mut corsgate_builder,
) -> corsgate_result {
    guard(|| {
        let out = required_out(builder_out)?;
        let raw = Box::into_raw(Box::new(corsgate_builder {
            settings: PolicyBuilder::new(),
        }));
        // SAFETY: non-NULL and, per the contract, writable.
        unsafe { out.as_ptr().write(raw) };
        Ok(())
    })
}

macro_rules! text_setter {
    ($(#[$doc:meta])* $name:ident, $method:ident) => {
        $(#[$doc])*
        ///
        /// The text is UTF-8 (`CORSGATE_RESULT_INVALID_UTF8` otherwise), not
        /// NUL-terminated, and copied: the caller may reuse it at once.
        /// Whether it is acceptable is checked by `corsgate_builder_build`.
        ///
        /// # Safety
        ///
        /// `builder` is a live builder; `value` points to `value_len`
        /// readable bytes (or is NULL with length 0).
        #[no_mangle]
        pub unsafe extern "C" fn $name(builder: *mut corsgate_builder, value: *const u8, value_len: usize) -> corsgate_result {
            guard(|| {
                // SAFETY: per the contract.
                let text = unsafe { input_str(value, value_len) }?;
                // SAFETY: per the contract.
                unsafe { update(builder, |b| b.$method([text])) }
            })
        }
    };
}

macro_rules! value_setter {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $method:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// `builder` is a live builder.
        #[no_mangle]
        pub unsafe extern "C" fn $name(builder: *mut corsgate_builder, value: $ty) -> corsgate_result {
            // SAFETY: per the contract.
            guard(|| unsafe { update(builder, |b| b.$method(value)) })
        }
    };
}

text_setter!(
    /// Adds an allowed origin or origin pattern (`origins`):
    /// `https://app.example.com`, `https://*.example.com`,
    /// `http://localhost:*` or `*`.
    corsgate_builder_add_origin, origins
);
text_setter!(
    /// Adds an allowed method (`methods`). GET, HEAD and POST are always
    /// allowed; `*` allows any method.
    corsgate_builder_add_method, methods
);
text_setter!(
    /// Adds an allowed request header name (`request_headers`). `*` allows
    /// any name except `authorization`.
    corsgate_builder_add_request_header, request_headers
);
text_setter!(
    /// Adds a response header name scripts may read (`expose_headers`).
    corsgate_builder_add_expose_header, expose_headers
);
value_setter!(
    /// Allows credentialed requests (`credentials`, default false).
    corsgate_builder_set_credentials, bool, credentials
);
value_setter!(
    /// How long browsers may cache a preflight, in seconds (`max_age`,
    /// 0..=86400, checked at build; by default no header is sent).
    corsgate_builder_set_max_age, i64, max_age
);
value_setter!(
    /// Answers Private Network Access preflights (`private_network`,
    /// default false).
    corsgate_builder_set_private_network, bool, private_network
);
value_setter!(
    /// The status of an allowed preflight (`preflight_status`): 204 (the
    /// default) or 200, checked at build.
    corsgate_builder_set_preflight_status, i64, preflight_status
);
value_setter!(
    /// Allows clear-text non-loopback origins with credentials
    /// (`dangerously_allow_insecure_origins`, default false).
    corsgate_builder_set_dangerously_allow_insecure_origins, bool, dangerously_allow_insecure_origins
);
value_setter!(
    /// Allows `*.` patterns over public suffixes with credentials
    /// (`dangerously_allow_public_suffix_subdomains`, default false).
    corsgate_builder_set_dangerously_allow_public_suffix_subdomains, bool, dangerously_allow_public_suffix_subdomains
);
value_setter!(
    /// Allows the `null` origin (`dangerously_allow_null_origin`, default
    /// false).
    corsgate_builder_set_dangerously_allow_null_origin, bool, dangerously_allow_null_origin
);

/// What to do with denied preflights (`denied_preflight`): a
/// `corsgate_denied_preflight` value; anything else is
/// `CORSGATE_RESULT_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `builder` is a live builder.
#[no_mangle]
pub unsafe extern "C" fn corsgate_builder_set_denied_preflight(
    builder: *mut corsgate_builder,
    value: u32,
) -> corsgate_result {
    guard(|| {
        let what = match value {
            v if v == corsgate_denied_preflight::Reject as u32 => DeniedPreflight::Reject,
            v if v == corsgate_denied_preflight::Forward as u32 => DeniedPreflight::Forward,
            _ => return Err(corsgate_result::InvalidArgument),
        };
        // SAFETY: per the contract.
        unsafe { update(builder, |b| b.denied_preflight(what)) }
    })
}

/// Enforce or report only (`mode`): a `corsgate_mode` value; anything else
/// is `CORSGATE_RESULT_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `builder` is a live builder.
#[no_mangle]
pub unsafe extern "C" fn corsgate_builder_set_mode(
    builder: *mut corsgate_builder,
    value: u32,
) -> corsgate_result {
    guard(|| {
        let mode = match value {
            v if v == corsgate_mode::Enforce as u32 => Mode::Enforce,
            v if v == corsgate_mode::ReportOnly as u32 => Mode::ReportOnly,
            _ => return Err(corsgate_result::InvalidArgument),
        };
        // SAFETY: per the contract.
        unsafe { update(builder, |b| b.mode(mode)) }
    })
}

/// Validates and compiles the builder's settings. The builder is consumed
/// on every path, including errors: never use or free it afterwards.
///
/// Outputs as for `corsgate_policy_from_toml`: on success the policy in
/// `*policy_out` (and NULL in `*errors_out`); on
/// `CORSGATE_RESULT_INVALID_POLICY` the list of every problem in
/// `*errors_out` when `errors_out` is not NULL.
///
/// # Safety
///
/// `builder` is NULL or a live builder; `policy_out` is writable;
/// `errors_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn corsgate_builder_build(
    builder: *mut corsgate_builder,
    policy_out: *mut *const corsgate_policy,
    errors_out: *mut *mut corsgate_errors,
) -> corsgate_result {
    guard(|| {
        // Take ownership first, so that the builder is freed on every path.
        let builder = required_out(builder)?;
        // SAFETY: a live builder is a `Box` we handed out; the caller gives
        // it up here.
        let builder = unsafe { Box::from_raw(builder.as_ptr()) };
        let policy_out = required_out(policy_out)?;
        let built = builder
            .settings
            .build()
            .map_err(corsgate_errors::from_build);
        // SAFETY: per the contract.
        unsafe { finish_build(built, policy_out.as_ptr(), errors_out) }
    })
}

/// Frees a builder that will not be built. NULL is ignored.
///
/// # Safety
///
/// `builder` is NULL or a live builder, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn corsgate_builder_free(builder: *mut corsgate_builder) {
    guard_or((), || {
        if !builder.is_null() {
            // SAFETY: a live builder is a `Box` we handed out; the caller
            // gives it up.
            drop(unsafe { Box::from_raw(builder) });
        }
    })
}

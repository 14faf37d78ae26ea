//! Compiled policies: immutable, reference-counted, shared across threads.

use std::sync::Arc;

use corsgate_engine::Policy;

use super::boundary::{corsgate_result, guard, guard_or};
use super::errors::{self, corsgate_errors};
use super::slice::{input_bytes, required, required_out};

/// A validated, compiled, immutable policy. Opaque and reference-counted:
/// `corsgate_policy_clone` adds a reference, `corsgate_policy_free` drops
/// one, and the last one frees it. Any number of threads may evaluate
/// against the same policy at once.
pub struct corsgate_policy {
    pub(super) policy: Policy,
}

/// Borrows the policy behind a handle.
///
/// # Safety
///
/// `policy` is NULL or a live handle from corsgate, kept alive for `'a`.
pub(super) unsafe fn policy_ref<'a>(
    policy: *const corsgate_policy,
) -> Result<&'a Policy, corsgate_result> {
    let policy = required(policy)?;
    // SAFETY: a live handle points to the `corsgate_policy` inside an `Arc`
    // (see `finish_build`), and the caller keeps a reference for `'a`.
    Ok(&unsafe { policy.as_ref() }.policy)
}

/// Hands the outcome of a build to C: the policy on success, the error
/// list (when wanted) on failure.
///
/// # Safety
///
/// `policy_out` is writable; `errors_out` is NULL or writable.
pub(super) unsafe fn finish_build(
    built: Result<Policy, corsgate_errors>,
    policy_out: *mut *const corsgate_policy,
    errors_out: *mut *mut corsgate_errors,
) -> Result<(), corsgate_result> {
    match built {
        Ok(policy) => {
            let raw = Arc::into_raw(Arc::new(corsgate_policy { policy }));
            // SAFETY: both outputs are writable per the contract (the
            // optional one only when non-NULL).
            unsafe {
                policy_out.write(raw);
                if !errors_out.is_null() {
                    errors_out.write(core::ptr::null_mut());
                }
            }
            Ok(())
        }
        Err(list) => {
            // SAFETY: forwarded from the contract.
            unsafe { errors::publish(list, errors_out) };
            Err(corsgate_result::InvalidPolicy)
        }
    }
}

/// Parses, validates and compiles a TOML policy file (`toml_len` bytes at
/// `toml`, UTF-8, not NUL-terminated).
///
/// On success returns `CORSGATE_RESULT_OK`, stores a new policy in
/// `*policy_out` and, if `errors_out` is not NULL, NULL in `*errors_out`.
/// When the policy is refused, returns `CORSGATE_RESULT_INVALID_POLICY`,
/// leaves `*policy_out` alone and, if `errors_out` is not NULL, stores the
/// list of every problem in `*errors_out` (free it with
/// `corsgate_errors_free`). `errors_out` may be NULL when the details are
/// not wanted.
///
/// # Safety
///
/// `toml` points to `toml_len` readable bytes (or is NULL with length 0);
/// `policy_out` is writable; `errors_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn corsgate_policy_from_toml(
    toml: *const u8,
    toml_len: usize,
    policy_out: *mut *const corsgate_policy,
    errors_out: *mut *mut corsgate_errors,
) -> corsgate_result {
    guard(|| {
        let policy_out = required_out(policy_out)?;
        // SAFETY: per the contract.
        let bytes = unsafe { input_bytes(toml, toml_len) }?;
        let built = match core::str::from_utf8(bytes) {
            Ok(text) => Policy::from_toml(text).map_err(corsgate_errors::from_build),
            Err(e) => Err(corsgate_errors::not_utf8(e)),
        };
        // SAFETY: per the contract.
        unsafe { finish_build(built, policy_out.as_ptr(), errors_out) }
    })
}

/// Adds a reference to `policy` and returns it (the same pointer), or NULL
/// for NULL. Each reference is released with `corsgate_policy_free`.
///
/// # Safety
///
/// `policy` is NULL or a live handle from corsgate.
#[no_mangle]
pub unsafe extern "C" fn corsgate_policy_clone(
    policy: *const corsgate_policy,
) -> *const corsgate_policy {
    guard_or(core::ptr::null(), || {
        if !policy.is_null() {
            // SAFETY: a live handle came from `Arc::into_raw` and holds a
            // reference, so the count is at least one.
            unsafe { Arc::increment_strong_count(policy) };
        }
        policy
    })
}

/// Releases one reference to `policy`; the last release frees it. NULL is
/// ignored. Safe to call from any thread, concurrently with evaluations
/// that hold their own reference.
///
/// # Safety
///
/// `policy` is NULL or a live handle from corsgate whose reference the
/// caller gives up.
#[no_mangle]
pub unsafe extern "C" fn corsgate_policy_free(policy: *const corsgate_policy) {
    guard_or((), || {
        if !policy.is_null() {
            // SAFETY: a live handle came from `Arc::into_raw`; the caller
            // gives up the reference it owned.
            drop(unsafe { Arc::from_raw(policy) });
        }
    })
}

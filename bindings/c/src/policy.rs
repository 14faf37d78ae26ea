//! Compiled policies: immutable, reference-counted, shared across threads.

use core::ptr::NonNull;
use std::sync::Arc;

use corsgate::Policy;

use crate::boundary::{guard, guard_or};
use crate::errors::{self, corsgate_errors};
use crate::result::corsgate_result;
use crate::slice::{handle_shaped, input_bytes, optional_out, required, required_out};

/// A validated, compiled, immutable policy. Opaque and reference-counted:
/// `corsgate_policy_clone` adds a reference, `corsgate_policy_free` drops
/// one, and the last one frees it. Any number of threads may evaluate
/// against the same policy at once.
pub struct corsgate_policy {
    pub(crate) policy: Policy,
}

// The header promises that threads share a policy freely: the handle is an
// `Arc` whose clones and drops happen on any thread, and evaluations read
// it concurrently. That is sound only while `Policy` is `Send + Sync`.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<corsgate_policy>();
};

/// Borrows the policy behind a handle.
///
/// # Safety
///
/// `policy` is NULL or a live handle (a pointer from
/// `corsgate_policy_from_toml`, `corsgate_builder_build` or
/// `corsgate_policy_clone` whose reference has not been released), and the
/// caller holds that reference for all of `'a`.
pub(crate) unsafe fn policy_ref<'a>(
    policy: *const corsgate_policy,
) -> Result<&'a Policy, corsgate_result> {
    let policy = required(policy)?;
    // SAFETY: `policy` is non-NULL and aligned (`required`). A live handle
    // is the pointer `Arc::into_raw` returned in `finish_build`, so it
    // points to an initialised `corsgate_policy` inside the `Arc`'s
    // allocation, and the reference the caller holds for `'a` keeps the
    // strong count at one or more, so it is not freed before `'a` ends. The
    // policy is immutable and never handed out as `&mut`, so this shared
    // borrow aliases only other shared borrows.
    Ok(&unsafe { policy.as_ref() }.policy)
}

/// Hands the outcome of a build to C: the policy on success, the error
/// list (when wanted) on failure.
///
/// # Safety
///
/// `policy_out` and `errors_out` (when `Some`) are valid for writing one
/// pointer each. (They are non-NULL and aligned by construction: they come
/// from `required_out` and `optional_out`.)
pub(crate) unsafe fn finish_build(
    built: Result<Policy, corsgate_errors>,
    policy_out: NonNull<*const corsgate_policy>,
    errors_out: Option<NonNull<*mut corsgate_errors>>,
) -> Result<(), corsgate_result> {
    match built {
        Ok(policy) => {
            // The one place handles are made: every live handle is this
            // pointer (or a copy of it from `corsgate_policy_clone`), and it
            // goes back to `Arc::from_raw` only in `corsgate_policy_free`.
            let raw = Arc::into_raw(Arc::new(corsgate_policy { policy }));
            // SAFETY: non-NULL and aligned (`NonNull` from `required_out`),
            // and valid for writing one pointer per this function's
            // precondition. `write` neither reads nor drops the old value,
            // which C may have left uninitialised.
            unsafe { policy_out.as_ptr().write(raw) };
            if let Some(errors_out) = errors_out {
                // SAFETY: as for `policy_out`.
                unsafe { errors_out.as_ptr().write(core::ptr::null_mut()) };
            }
            Ok(())
        }
        Err(list) => {
            // SAFETY: `errors_out` is `None` or valid for writing one
            // pointer, which is `publish`'s precondition.
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
/// `toml` points to `toml_len` readable bytes that no one writes during the
/// call (or is NULL with length 0); `policy_out` points to writable memory
/// for one pointer; `errors_out` is NULL or points to writable memory for
/// one pointer.
#[no_mangle]
pub unsafe extern "C" fn corsgate_policy_from_toml(
    toml: *const u8,
    toml_len: usize,
    policy_out: *mut *const corsgate_policy,
    errors_out: *mut *mut corsgate_errors,
) -> corsgate_result {
    guard(|| {
        let policy_out = required_out(policy_out)?;
        let errors_out = optional_out(errors_out)?;
        // SAFETY: the `# Safety` section above requires `(toml, toml_len)`
        // to be NULL with length 0 or `toml_len` readable bytes unmodified
        // during the call; the borrow ends before this function returns.
        let bytes = unsafe { input_bytes(toml, toml_len) }?;
        let built = match core::str::from_utf8(bytes) {
            Ok(text) => Policy::from_toml(text).map_err(corsgate_errors::from_build),
            Err(e) => Err(corsgate_errors::not_utf8(e)),
        };
        // SAFETY: the `# Safety` section above requires `policy_out`, and
        // `errors_out` when non-NULL, to be writable for one pointer.
        unsafe { finish_build(built, policy_out, errors_out) }
    })
}

/// Adds a reference to `policy` and returns it (the same pointer), or NULL
/// for NULL. Each reference is released with `corsgate_policy_free`. A
/// pointer not aligned for a policy (which cannot be a handle) also gives
/// NULL and is left alone.
///
/// # Safety
///
/// `policy` is NULL, misaligned, or a live handle from corsgate: one whose
/// references have not all been released with `corsgate_policy_free`.
#[no_mangle]
pub unsafe extern "C" fn corsgate_policy_clone(
    policy: *const corsgate_policy,
) -> *const corsgate_policy {
    guard_or(core::ptr::null(), || {
        if !handle_shaped(policy) {
            return core::ptr::null();
        }
        // SAFETY: a live handle is the pointer `Arc::into_raw` returned for
        // an `Arc<corsgate_policy>` (`finish_build`; the type matches), and
        // the caller still holds one of its references, so the strong count
        // is at least one for the whole call. The new reference is returned
        // to the caller, who releases it with `corsgate_policy_free` (one
        // `Arc::from_raw` per increment).
        unsafe { Arc::increment_strong_count(policy) };
        policy
    })
}

/// Releases one reference to `policy`; the last release frees it. NULL is
/// ignored, and so is a pointer not aligned for a policy (it cannot be a
/// handle). Safe to call from any thread, concurrently with evaluations
/// that hold their own reference.
///
/// # Safety
///
/// `policy` is NULL, misaligned, or a live handle from corsgate; the
/// caller gives up the reference it releases and never uses that reference
/// again (other references, its own or other threads', stay valid).
#[no_mangle]
pub unsafe extern "C" fn corsgate_policy_free(policy: *const corsgate_policy) {
    guard_or((), || {
        if handle_shaped(policy) {
            // SAFETY: a live handle is the pointer `Arc::into_raw` returned
            // for an `Arc<corsgate_policy>` (`finish_build`). Each reference
            // the caller owns came from that call or from one
            // `Arc::increment_strong_count` in `corsgate_policy_clone`, and
            // the caller gives exactly one of them up here, so this
            // `from_raw` is paired with one of those and the count cannot
            // underflow. The `Arc` frees the policy when the count reaches
            // zero; a panic in that drop is caught by `guard_or`.
            drop(unsafe { Arc::from_raw(policy) });
        }
    })
}

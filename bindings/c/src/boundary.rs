//! Result codes and the panic boundary every export runs inside.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::slice::corsgate_slice;

/// The outcome of a fallible call. `CORSGATE_RESULT_OK` is 0; every other
/// value is an error, and the call wrote none of its outputs (except where
/// a function documents otherwise: `CORSGATE_RESULT_INVALID_POLICY` hands
/// out the error list, `CORSGATE_RESULT_INSUFFICIENT_BUFFER` the size
/// needed).
///
/// The numbers are stable: codes are only ever appended.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum corsgate_result {
    /// Success.
    Ok = 0,
    /// A pointer argument was NULL, or a `{ptr, len}` pair had a NULL
    /// pointer with a non-zero length.
    NullParameter = 1,
    /// An argument is outside its documented set (an unknown enumeration
    /// value, a decision with more than `CORSGATE_MAX_HEADERS` headers, a
    /// length that cannot be a real object size, a pointer that is not
    /// aligned for the type it points to).
    InvalidArgument = 2,
    /// A text argument (an origin, a method, a header name) is not UTF-8.
    InvalidUtf8 = 3,
    /// The policy was refused; the error list says why.
    InvalidPolicy = 4,
    /// The output buffer is too small; the size needed was reported.
    InsufficientBuffer = 5,
    /// An index is past the end of a list.
    OutOfRange = 6,
    /// corsgate panicked. This is a bug in corsgate; the call had no effect
    /// other than, possibly, consuming a handle it documents as consumed.
    Panic = 7,
}

impl corsgate_result {
    const ALL: [corsgate_result; 8] = [
        corsgate_result::Ok,
        corsgate_result::NullParameter,
        corsgate_result::InvalidArgument,
        corsgate_result::InvalidUtf8,
        corsgate_result::InvalidPolicy,
        corsgate_result::InsufficientBuffer,
        corsgate_result::OutOfRange,
        corsgate_result::Panic,
    ];

    const fn as_str(self) -> &'static str {
        match self {
            corsgate_result::Ok => "ok",
            corsgate_result::NullParameter => "null_parameter",
            corsgate_result::InvalidArgument => "invalid_argument",
            corsgate_result::InvalidUtf8 => "invalid_utf8",
            corsgate_result::InvalidPolicy => "invalid_policy",
            corsgate_result::InsufficientBuffer => "insufficient_buffer",
            corsgate_result::OutOfRange => "out_of_range",
            corsgate_result::Panic => "panic",
        }
    }
}

/// What an export's body returns: `Err` carries the code to hand back.
pub(crate) type Outcome = Result<(), corsgate_result>;

/// Runs an export's body, turning a panic into `CORSGATE_RESULT_PANIC`.
///
/// `AssertUnwindSafe` is sound here: after a panic the only state a caller
/// can still observe is a handle it owns, and every handle stays a valid
/// (if unspecified) object, since the core never leaves a half-written
/// value behind and the builder setters replace their state in one move.
pub(crate) fn guard(body: impl FnOnce() -> Outcome) -> corsgate_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => corsgate_result::Ok,
        Ok(Err(code)) => code,
        Err(payload) => {
            discard(payload);
            corsgate_result::Panic
        }
    }
}

/// Like [`guard`], for exports that return a value instead of a code:
/// `on_panic` is returned if the body panics.
pub(crate) fn guard_or<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            discard(payload);
            on_panic
        }
    }
}

/// Drops a panic payload without letting a second panic escape.
///
/// The payload is an arbitrary `Box<dyn Any + Send>` (`panic_any` takes
/// any value), and its `Drop` runs after `catch_unwind` has returned, that
/// is, outside the boundary: a panicking `Drop` there would unwind into C.
/// So each drop gets a boundary of its own; a panic in it yields a new
/// payload, dropped the same way. A payload whose drops keep panicking is
/// leaked after a few rounds rather than looping forever.
fn discard(payload: Box<dyn Any + Send>) {
    const ROUNDS: usize = 4;
    let mut payload = payload;
    for _ in 0..ROUNDS {
        match catch_unwind(AssertUnwindSafe(move || drop(payload))) {
            Ok(()) => return,
            Err(next) => payload = next,
        }
    }
    core::mem::forget(payload);
}

/// The stable snake_case name of a result code (`"ok"`,
/// `"null_parameter"`, …), or an empty slice for an unknown code. The
/// bytes are static.
#[no_mangle]
pub extern "C" fn corsgate_result_str(result: u32) -> corsgate_slice {
    guard_or(corsgate_slice::EMPTY, || {
        corsgate_result::ALL
            .into_iter()
            .find(|r| *r as u32 == result)
            .map_or(corsgate_slice::EMPTY, |r| {
                corsgate_slice::from_bytes(r.as_str().as_bytes())
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_dense_and_named() {
        for (i, r) in corsgate_result::ALL.into_iter().enumerate() {
            assert_eq!(r as usize, i);
            // SAFETY: `corsgate_result_str` returns `{ptr, len}` of a
            // `&'static str` (or `EMPTY`), readable forever.
            let name = unsafe { corsgate_result_str(i as u32).as_bytes() }.unwrap();
            assert_eq!(name, r.as_str().as_bytes());
        }
        assert_eq!(
            corsgate_result_str(corsgate_result::ALL.len() as u32).len,
            0
        );
    }

    #[test]
    fn guard_contains_panics() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r = guard(|| panic!("boom"));
        let v = guard_or(7u8, || panic!("boom"));
        std::panic::set_hook(prev);
        assert_eq!(r, corsgate_result::Panic);
        assert_eq!(v, 7);
    }

    /// A panic payload whose own `Drop` panics.
    struct PanicsOnDrop;

    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("payload drop");
        }
    }

    #[test]
    fn guard_contains_panics_from_the_payload_drop() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        // Without `discard`, the payload's drop panics after `catch_unwind`
        // has returned and the panic escapes the boundary (here: fails the
        // test; across `extern "C"`: aborts the host process).
        let r = catch_unwind(|| guard(|| std::panic::panic_any(PanicsOnDrop)));
        let v = catch_unwind(|| guard_or(7u8, || std::panic::panic_any(PanicsOnDrop)));
        std::panic::set_hook(prev);
        assert_eq!(r.ok(), Some(corsgate_result::Panic));
        assert_eq!(v.ok(), Some(7));
    }
}

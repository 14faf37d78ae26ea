//! The panic boundary every export runs inside, and the names of the
//! result codes.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::result::{corsgate_result, Outcome};
use crate::slice::corsgate_slice;

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
